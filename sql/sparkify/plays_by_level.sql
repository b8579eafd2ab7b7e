-- Free versus paid activity: songplays, listeners and plays per listener by the level the user had at each play
-- (a user who changed level counts on both sides; see sparkify.level_changes).
SELECT
    p.level,
    COUNT(*) AS plays,
    COUNT(DISTINCT p.user_id) AS listeners,
    ROUND(1.0 * COUNT(*) / COUNT(DISTINCT p.user_id), 2) AS plays_per_listener,
    ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 2) AS share_of_plays_percent
FROM sparkify.songplays AS p
WHERE p.user_id IS NOT NULL
GROUP BY p.level
