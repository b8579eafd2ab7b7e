-- Which video each document names: its cleaned body contains the video's title (lower case) as whole words.
-- Titles repeat across degrees, so a text names a video of its own degree.
WITH documents AS (
    SELECT source, document_id, degree, ' ' || body || ' ' AS padded_body FROM learning.text_documents
),
videos AS (
    SELECT video_id, section_id, degree, ' ' || LOWER(video_title) || ' ' AS padded_title FROM learning.dim_videos
)
SELECT d.source, d.document_id, v.video_id, v.section_id
FROM documents AS d
JOIN videos AS v ON v.degree = d.degree AND POSITION(v.padded_title IN d.padded_body) > 0
