-- Users changing level (free -> paid, paid -> free) as their songplays show it: one row per change, at the first
-- play on the new level. Plays are ordered by start time, then session and songplay id.
SELECT user_id, changed_at, from_level, to_level
FROM (
    SELECT
        user_id,
        start_time AS changed_at,
        LAG(level) OVER (PARTITION BY user_id ORDER BY start_time, session_id, songplay_id) AS from_level,
        level AS to_level
    FROM sparkify.songplays
    WHERE user_id IS NOT NULL
) AS ordered
WHERE from_level <> to_level
