-- One row per enrolment of a user in a degree (a program): the first at signup, further ones later.
SELECT enrollment_id, user_id, degree, enrolled_at
FROM (
    SELECT
        enrollment_id,
        user_id,
        TRIM(degree) AS degree,
        enrolled_at,
        ROW_NUMBER() OVER (PARTITION BY enrollment_id ORDER BY enrolled_at, user_id, degree) AS copy_number
    FROM learning.stg_enrollments
    WHERE enrollment_id IS NOT NULL
) AS ranked
WHERE copy_number = 1
