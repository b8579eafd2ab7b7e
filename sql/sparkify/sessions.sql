-- One row per listening session (a user's session id): first and last play, its length from first to last play
-- start in whole seconds (second boundaries crossed, as DATEDIFF counts), and its songs.
SELECT
    user_id,
    session_id,
    MIN(start_time) AS first_play_at,
    MAX(start_time) AS last_play_at,
    DATEDIFF(second, MIN(start_time), MAX(start_time)) AS length_seconds,
    COUNT(*) AS songs
FROM sparkify.songplays
WHERE user_id IS NOT NULL
GROUP BY user_id, session_id
