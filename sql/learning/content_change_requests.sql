-- (3) The technical and content changes requested in feedback and mentor questions, per project, section and
-- video: each text is classified by content_change_rules (a text may fall in several categories). A text
-- concerns its project (project feedback, mentor questions), its section (section feedback) and every video it
-- names (text_video_mentions). `requests` counts the texts; request_rank orders each kind of item.
-- Texts repeat, so each distinct body is classified once and its categories are joined back to its documents.
WITH body_categories AS (
    SELECT DISTINCT b.body, r.category
    FROM (SELECT DISTINCT body FROM learning.text_documents) AS b
    JOIN learning.content_change_rules AS r ON POSITION(' ' || r.pattern IN ' ' || b.body) > 0
),
classified AS (
    SELECT DISTINCT d.source, d.document_id, d.project_id, d.section_id, c.category
    FROM learning.text_documents AS d
    JOIN body_categories AS c ON c.body = d.body
),
concerned AS (
    SELECT 'project' AS item_type, project_id AS item_id, source, document_id, category
    FROM classified WHERE project_id IS NOT NULL
    UNION ALL
    SELECT 'section' AS item_type, section_id AS item_id, source, document_id, category
    FROM classified WHERE section_id IS NOT NULL
    UNION ALL
    SELECT 'video' AS item_type, m.video_id AS item_id, c.source, c.document_id, c.category
    FROM classified AS c
    JOIN learning.text_video_mentions AS m ON m.source = c.source AND m.document_id = c.document_id
),
counted AS (
    SELECT item_type, item_id, category,
           COUNT(*) AS requests,
           SUM(CASE WHEN source = 'mentor_question' THEN 0 ELSE 1 END) AS in_feedback,
           SUM(CASE WHEN source = 'mentor_question' THEN 1 ELSE 0 END) AS in_mentor_questions
    FROM concerned
    GROUP BY item_type, item_id, category
)
SELECT
    c.item_type,
    c.item_id,
    i.item_name,
    i.degree,
    c.category,
    CAST(c.requests AS BIGINT) AS requests,
    CAST(c.in_feedback AS BIGINT) AS in_feedback,
    CAST(c.in_mentor_questions AS BIGINT) AS in_mentor_questions,
    ROW_NUMBER() OVER (PARTITION BY c.item_type ORDER BY c.requests DESC, c.item_id, c.category) AS request_rank
FROM counted AS c
JOIN learning.content_items AS i ON i.item_type = c.item_type AND i.item_id = c.item_id
