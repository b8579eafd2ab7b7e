-- One row per song of song_data. year 0 means "unknown" in the Million Song Dataset: stored as NULL.
SELECT song_id, title, artist_id, year, duration
FROM (
    SELECT
        song_id,
        title,
        artist_id,
        NULLIF(year, 0) AS year,
        duration,
        ROW_NUMBER() OVER (PARTITION BY song_id ORDER BY _source_file) AS copy_number
    FROM sparkify.staging_songs
) AS ranked
WHERE copy_number = 1
