-- Songplays by hour of the day (UTC, 0-23) over every loaded month: when people listen. Hours without plays
-- have no row.
SELECT
    t.hour,
    COUNT(*) AS plays,
    COUNT(DISTINCT p.user_id) AS listeners
FROM sparkify.songplays AS p
JOIN sparkify."time" AS t ON t.start_time = p.start_time
GROUP BY t.hour
