-- What the data lake export writes: songplays with year and month as Hive partition columns.
SELECT
    songplay_id,
    start_time,
    user_id,
    level,
    song_id,
    artist_id,
    session_id,
    location,
    user_agent,
    CAST(EXTRACT(year FROM month) AS INTEGER) AS year,
    CAST(EXTRACT(month FROM month) AS INTEGER) AS month
FROM sparkify.songplays
