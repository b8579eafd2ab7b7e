-- (a) Which videos are watched most often by the same user: views per distinct viewer.
WITH per_video AS (
    SELECT video_id, CAST(COUNT(*) AS BIGINT) AS views, COUNT(DISTINCT user_id) AS viewers
    FROM learning.stg_video_log
    GROUP BY video_id
)
SELECT
    v.video_id,
    d.video_title,
    d.degree,
    v.views,
    v.viewers,
    ROUND(1.0 * v.views / v.viewers, 3) AS views_per_user,
    ROW_NUMBER() OVER (ORDER BY 1.0 * v.views / v.viewers DESC, v.video_id) AS views_per_user_rank
FROM per_video AS v
JOIN learning.dim_videos AS d ON d.video_id = v.video_id
