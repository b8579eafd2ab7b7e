-- Which video each document names: its cleaned body contains the video's title (lower case) as whole words.
-- Titles repeat across degrees, so a text names a video of its own degree.
-- Texts repeat, so each distinct body of a degree is matched once and the matches are joined back to its documents.
WITH bodies AS (
    SELECT DISTINCT degree, body FROM learning.text_documents
),
videos AS (
    SELECT video_id, section_id, degree, ' ' || LOWER(video_title) || ' ' AS padded_title FROM learning.dim_videos
),
named AS (
    SELECT b.degree, b.body, v.video_id, v.section_id
    FROM bodies AS b
    JOIN videos AS v ON v.degree = b.degree AND POSITION(v.padded_title IN ' ' || b.body || ' ') > 0
)
SELECT d.source, d.document_id, n.video_id, n.section_id
FROM learning.text_documents AS d
JOIN named AS n ON n.degree = d.degree AND n.body = d.body
