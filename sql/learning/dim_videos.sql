-- One row per video, with the course section it belongs to.
SELECT video_id, video_title, degree, section_id, section_name, duration_seconds
FROM (
    SELECT
        video_id,
        TRIM(video_title) AS video_title,
        degree,
        section_id,
        TRIM(section_name) AS section_name,
        duration_seconds,
        ROW_NUMBER() OVER (PARTITION BY video_id ORDER BY video_title, degree, section_id, section_name, duration_seconds) AS copy_number
    FROM learning.stg_videos
    WHERE video_id IS NOT NULL
) AS ranked
WHERE copy_number = 1
