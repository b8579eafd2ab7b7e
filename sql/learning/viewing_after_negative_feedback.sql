-- (e) Do students who give negative feedback stop watching videos afterwards?
-- Each user who left feedback is compared around a reference time: the first negative feedback for those who
-- gave one, the first feedback for those who never did.
WITH feedback AS (
    SELECT user_id, submitted_at, rating FROM learning.stg_project_feedback
    UNION ALL
    SELECT user_id, submitted_at, rating FROM learning.stg_section_feedback
),
reference AS (
    SELECT
        user_id,
        CASE WHEN MIN(CASE WHEN rating <= 2 THEN submitted_at END) IS NULL
             THEN 'never gave negative feedback' ELSE 'gave negative feedback' END AS cohort,
        COALESCE(MIN(CASE WHEN rating <= 2 THEN submitted_at END), MIN(submitted_at)) AS reference_at
    FROM feedback
    GROUP BY user_id
),
per_user AS (
    SELECT
        r.user_id,
        r.cohort,
        SUM(CASE WHEN v.viewed_at < r.reference_at AND v.viewed_at >= DATEADD(day, -30, r.reference_at) THEN 1 ELSE 0 END) AS views_30d_before,
        SUM(CASE WHEN v.viewed_at > r.reference_at AND v.viewed_at <= DATEADD(day, 30, r.reference_at) THEN 1 ELSE 0 END) AS views_30d_after,
        SUM(CASE WHEN v.viewed_at > r.reference_at THEN 1 ELSE 0 END) AS views_after
    FROM reference AS r
    LEFT JOIN learning.stg_video_log AS v ON v.user_id = r.user_id
    GROUP BY r.user_id, r.cohort
)
SELECT
    cohort,
    COUNT(*) AS users,
    SUM(CASE WHEN views_after = 0 THEN 1 ELSE 0 END) AS users_who_stopped_watching,
    ROUND(1.0 * SUM(CASE WHEN views_after = 0 THEN 1 ELSE 0 END) / COUNT(*), 4) AS share_stopped_watching,
    ROUND(AVG(1.0 * views_30d_before), 2) AS avg_views_30d_before,
    ROUND(AVG(1.0 * views_30d_after), 2) AS avg_views_30d_after
FROM per_user
GROUP BY cohort
