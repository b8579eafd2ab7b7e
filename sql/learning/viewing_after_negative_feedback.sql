-- (4) Do students who give negative feedback bounce: stop watching videos afterwards AND not enrol in a new
-- program? Each user who left feedback is compared around a reference time: the first negative feedback for those
-- who gave one, the first feedback for those who never did. A user bounced when they watched no video and
-- enrolled in no degree after it.
WITH feedback AS (
    SELECT user_id, submitted_at, rating FROM learning.stg_project_feedback
    UNION ALL
    SELECT user_id, submitted_at, rating FROM learning.stg_section_feedback
),
reference AS (
    SELECT
        user_id,
        MIN(CASE WHEN rating <= 2 THEN submitted_at END) IS NOT NULL AS gave_negative,
        COALESCE(MIN(CASE WHEN rating <= 2 THEN submitted_at END), MIN(submitted_at)) AS reference_at
    FROM feedback
    GROUP BY user_id
),
views_around AS (
    -- each user's views counted against their reference time, grouped by the user id alone (cheaper than by
    -- id and cohort text); users with no view get zeros below
    SELECT
        v.user_id,
        SUM(CASE WHEN v.viewed_at < r.reference_at AND v.viewed_at >= DATEADD(day, -30, r.reference_at) THEN 1 ELSE 0 END) AS views_30d_before,
        SUM(CASE WHEN v.viewed_at > r.reference_at AND v.viewed_at <= DATEADD(day, 30, r.reference_at) THEN 1 ELSE 0 END) AS views_30d_after,
        SUM(CASE WHEN v.viewed_at > r.reference_at THEN 1 ELSE 0 END) AS views_after
    FROM learning.stg_video_log AS v
    JOIN reference AS r ON r.user_id = v.user_id
    GROUP BY v.user_id
),
enrolled_after AS (
    SELECT DISTINCT e.user_id
    FROM learning.enrollments AS e
    JOIN reference AS r ON r.user_id = e.user_id
    WHERE e.enrolled_at > r.reference_at
),
per_user AS (
    SELECT
        CASE WHEN r.gave_negative THEN 'gave negative feedback' ELSE 'never gave negative feedback' END AS cohort,
        COALESCE(a.views_30d_before, 0) AS views_30d_before,
        COALESCE(a.views_30d_after, 0) AS views_30d_after,
        COALESCE(a.views_after, 0) AS views_after,
        CASE WHEN e.user_id IS NULL THEN 0 ELSE 1 END AS enrolled_after
    FROM reference AS r
    LEFT JOIN views_around AS a ON a.user_id = r.user_id
    LEFT JOIN enrolled_after AS e ON e.user_id = r.user_id
)
SELECT
    cohort,
    COUNT(*) AS users,
    SUM(CASE WHEN views_after = 0 THEN 1 ELSE 0 END) AS users_who_stopped_watching,
    ROUND(1.0 * SUM(CASE WHEN views_after = 0 THEN 1 ELSE 0 END) / COUNT(*), 4) AS share_stopped_watching,
    ROUND(AVG(1.0 * views_30d_before), 2) AS avg_views_30d_before,
    ROUND(AVG(1.0 * views_30d_after), 2) AS avg_views_30d_after,
    SUM(enrolled_after) AS users_who_enrolled_after,
    ROUND(1.0 * SUM(enrolled_after) / COUNT(*), 4) AS share_enrolled_after,
    SUM(CASE WHEN views_after = 0 AND enrolled_after = 0 THEN 1 ELSE 0 END) AS users_who_bounced,
    ROUND(1.0 * SUM(CASE WHEN views_after = 0 AND enrolled_after = 0 THEN 1 ELSE 0 END) / COUNT(*), 4) AS share_bounced
FROM per_user
GROUP BY cohort
