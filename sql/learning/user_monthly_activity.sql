-- (8) One row per user and month with any activity, for churn models and A/B sample groups: views and watch
-- time, feedback given and its negative share (NULL without feedback), mentor questions asked, enrolments
-- (by the month of enrolled_at, so a signup month before the facts appears with its enrolment alone), and
-- whether the user is active the month after (active_next_month, 0 in the latest month of the data too).
WITH events AS (
    SELECT user_id, month, COUNT(*) AS views, SUM(watched_seconds) AS watch_seconds,
           0 AS feedback_given, 0 AS negative_feedback, 0 AS questions_asked, 0 AS enrollments
    FROM learning.stg_video_log GROUP BY user_id, month
    UNION ALL
    SELECT user_id, month, 0, 0, COUNT(*), SUM(CASE WHEN rating <= 2 THEN 1 ELSE 0 END), 0, 0
    FROM learning.stg_project_feedback GROUP BY user_id, month
    UNION ALL
    SELECT user_id, month, 0, 0, COUNT(*), SUM(CASE WHEN rating <= 2 THEN 1 ELSE 0 END), 0, 0
    FROM learning.stg_section_feedback GROUP BY user_id, month
    UNION ALL
    SELECT user_id, month, 0, 0, 0, 0, COUNT(*), 0
    FROM learning.stg_mentor_activity GROUP BY user_id, month
    UNION ALL
    SELECT user_id, CAST(DATE_TRUNC('month', enrolled_at) AS DATE) AS month, 0, 0, 0, 0, 0, COUNT(*)
    FROM learning.enrollments GROUP BY user_id, CAST(DATE_TRUNC('month', enrolled_at) AS DATE)
),
per_month AS (
    SELECT user_id, month,
           SUM(views) AS views, SUM(watch_seconds) AS watch_seconds, SUM(feedback_given) AS feedback_given,
           SUM(negative_feedback) AS negative_feedback, SUM(questions_asked) AS questions_asked,
           SUM(enrollments) AS enrollments
    FROM events
    WHERE user_id IS NOT NULL
    GROUP BY user_id, month
)
SELECT
    a.user_id,
    a.month,
    u.degree,
    CAST(a.views AS BIGINT) AS views,
    CAST(a.watch_seconds AS BIGINT) AS watch_seconds,
    CAST(a.feedback_given AS BIGINT) AS feedback_given,
    CAST(a.negative_feedback AS BIGINT) AS negative_feedback,
    CASE WHEN a.feedback_given > 0 THEN ROUND(1.0 * a.negative_feedback / a.feedback_given, 4) END AS negative_share,
    CAST(a.questions_asked AS BIGINT) AS questions_asked,
    CAST(a.enrollments AS BIGINT) AS enrollments,
    CASE WHEN LEAD(a.month) OVER (PARTITION BY a.user_id ORDER BY a.month) = DATEADD(month, 1, a.month)
         THEN 1 ELSE 0 END AS active_next_month
FROM per_month AS a
LEFT JOIN learning.dim_users AS u ON u.user_id = a.user_id
