-- (a) Which videos are watched most often by the same user: views per distinct viewer.
SELECT
    v.video_id,
    d.video_title,
    d.degree,
    COUNT(*) AS views,
    COUNT(DISTINCT v.user_id) AS viewers,
    ROUND(1.0 * COUNT(*) / COUNT(DISTINCT v.user_id), 3) AS views_per_user,
    ROW_NUMBER() OVER (ORDER BY 1.0 * COUNT(*) / COUNT(DISTINCT v.user_id) DESC, v.video_id) AS views_per_user_rank
FROM learning.stg_video_log AS v
JOIN learning.dim_videos AS d ON d.video_id = v.video_id
GROUP BY v.video_id, d.video_title, d.degree
