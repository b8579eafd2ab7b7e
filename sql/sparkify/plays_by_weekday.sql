-- Songplays by day of the week (UTC; weekday 0 = Sunday, as in sparkify.time) over every loaded month.
SELECT
    t.weekday,
    CASE t.weekday
        WHEN 0 THEN 'Sunday' WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday'
        WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday' WHEN 6 THEN 'Saturday'
    END AS weekday_name,
    COUNT(*) AS plays,
    COUNT(DISTINCT p.user_id) AS listeners
FROM sparkify.songplays AS p
JOIN sparkify."time" AS t ON t.start_time = p.start_time
GROUP BY 1, 2
