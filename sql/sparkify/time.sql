-- One row per distinct songplay start_time, broken into calendar units (weekday: 0 = Sunday).
SELECT
    start_time,
    EXTRACT(hour FROM start_time) AS hour,
    EXTRACT(day FROM start_time) AS day,
    EXTRACT(week FROM start_time) AS week,
    EXTRACT(month FROM start_time) AS month,
    EXTRACT(year FROM start_time) AS year,
    EXTRACT(dow FROM start_time) AS weekday
FROM (SELECT DISTINCT start_time FROM sparkify.songplays) AS t
