-- One row per signed-in user with the names and level of their latest event (levels change free <-> paid).
SELECT user_id, first_name, last_name, gender, level
FROM (
    SELECT
        CAST(user_id AS INTEGER) AS user_id,
        first_name,
        last_name,
        gender,
        level,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts DESC, session_id DESC, item_in_session DESC) AS recency
    FROM sparkify.staging_events
    WHERE user_id <> ''
) AS ranked
WHERE recency = 1
