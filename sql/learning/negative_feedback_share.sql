-- (b) Share of negative feedback (rating 1 or 2) per degree and month, project and section feedback together.
WITH feedback AS (
    SELECT degree, month, rating FROM learning.stg_project_feedback
    UNION ALL
    SELECT degree, month, rating FROM learning.stg_section_feedback
)
SELECT
    degree,
    month,
    COUNT(*) AS feedback_count,
    SUM(CASE WHEN rating <= 2 THEN 1 ELSE 0 END) AS negative_count,
    ROUND(1.0 * SUM(CASE WHEN rating <= 2 THEN 1 ELSE 0 END) / COUNT(*), 4) AS negative_share
FROM feedback
GROUP BY degree, month
