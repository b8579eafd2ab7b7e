-- One row per user: the latest record of each user_id in users_dim.csv.
SELECT user_id, user_name, email, country, signup_date, degree
FROM (
    SELECT
        user_id,
        TRIM(user_name) AS user_name,
        LOWER(TRIM(email)) AS email,
        TRIM(country) AS country,
        signup_date,
        degree,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY signup_date DESC, email, user_name, country, degree) AS copy_number
    FROM learning.stg_users
    WHERE user_id IS NOT NULL
) AS ranked
WHERE copy_number = 1
