-- Listening sessions in one row: how many, by how many users, their average length and songs per session.
SELECT
    COUNT(*) AS sessions,
    COUNT(DISTINCT user_id) AS users,
    ROUND(AVG(CAST(length_seconds AS DOUBLE PRECISION)) / 60, 2) AS average_length_minutes,
    ROUND(AVG(CAST(songs AS DOUBLE PRECISION)), 2) AS average_songs_per_session,
    MAX(songs) AS most_songs_in_a_session
FROM sparkify.sessions
