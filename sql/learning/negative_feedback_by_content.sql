-- (5) Where improvements are needed: the share and volume of negative feedback (rating 1 or 2) per project
-- (project feedback), section (section feedback) and video (feedback whose text names the video,
-- text_video_mentions). negative_rank orders each kind of item by negative feedback, then share.
WITH feedback AS (
    SELECT source, document_id, project_id, section_id, rating
    FROM learning.text_documents
    WHERE source IN ('project_feedback', 'section_feedback')
),
concerned AS (
    SELECT 'project' AS item_type, project_id AS item_id, rating FROM feedback WHERE project_id IS NOT NULL
    UNION ALL
    SELECT 'section' AS item_type, section_id AS item_id, rating FROM feedback WHERE section_id IS NOT NULL
    UNION ALL
    SELECT 'video' AS item_type, m.video_id AS item_id, f.rating
    FROM feedback AS f
    JOIN learning.text_video_mentions AS m ON m.source = f.source AND m.document_id = f.document_id
),
counted AS (
    SELECT item_type, item_id, COUNT(*) AS feedback_count,
           SUM(CASE WHEN rating <= 2 THEN 1 ELSE 0 END) AS negative_count
    FROM concerned
    GROUP BY item_type, item_id
)
SELECT
    c.item_type,
    c.item_id,
    i.item_name,
    i.degree,
    CAST(c.feedback_count AS BIGINT) AS feedback_count,
    CAST(c.negative_count AS BIGINT) AS negative_count,
    ROUND(1.0 * c.negative_count / c.feedback_count, 4) AS negative_share,
    ROW_NUMBER() OVER (PARTITION BY c.item_type
                       ORDER BY c.negative_count DESC, 1.0 * c.negative_count / c.feedback_count DESC, c.item_id) AS negative_rank
FROM counted AS c
JOIN learning.content_items AS i ON i.item_type = c.item_type AND i.item_id = c.item_id
