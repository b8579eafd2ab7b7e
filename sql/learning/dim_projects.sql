-- One row per project.
SELECT project_id, project_name, degree, difficulty
FROM (
    SELECT
        project_id,
        TRIM(project_name) AS project_name,
        degree,
        difficulty,
        ROW_NUMBER() OVER (PARTITION BY project_id ORDER BY project_name, degree, difficulty) AS copy_number
    FROM learning.stg_projects
    WHERE project_id IS NOT NULL
) AS ranked
WHERE copy_number = 1
