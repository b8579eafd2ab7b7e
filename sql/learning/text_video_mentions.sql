-- Which video each document names: its cleaned body contains the video's title (lower case) as whole words.
-- Titles repeat across degrees, so a text names a video of its own degree.
SELECT d.source, d.document_id, v.video_id, v.section_id
FROM learning.text_documents AS d
JOIN learning.dim_videos AS v
  ON v.degree = d.degree
 AND POSITION(' ' || LOWER(v.video_title) || ' ' IN ' ' || d.body || ' ') > 0
