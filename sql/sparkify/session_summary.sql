-- Listening sessions in one row: how many, by how many users, their average length and songs per session.
SELECT
    COUNT(*) AS sessions,
    COUNT(DISTINCT user_id) AS users,
    ROUND(AVG(1.0 * length_seconds) / 60, 2) AS average_length_minutes,
    ROUND(AVG(1.0 * songs), 2) AS average_songs_per_session,
    MAX(songs) AS most_songs_in_a_session
FROM sparkify.sessions
