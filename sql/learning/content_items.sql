-- Every project, section and video as one list of items feedback can concern: (item_type, item_id) is unique.
SELECT 'project' AS item_type, project_id AS item_id, project_name AS item_name, degree FROM learning.dim_projects
UNION ALL
SELECT DISTINCT 'section' AS item_type, section_id AS item_id, section_name AS item_name, degree FROM learning.dim_videos
UNION ALL
SELECT 'video' AS item_type, video_id AS item_id, video_title AS item_name, degree FROM learning.dim_videos
