-- One row per artist: song_data repeats an artist on each of their songs; keep the row with a location, then the first song.
SELECT artist_id, name, location, latitude, longitude
FROM (
    SELECT
        artist_id,
        artist_name AS name,
        NULLIF(TRIM(artist_location), '') AS location,
        artist_latitude AS latitude,
        artist_longitude AS longitude,
        ROW_NUMBER() OVER (
            PARTITION BY artist_id
            ORDER BY CASE WHEN artist_latitude IS NULL THEN 1 ELSE 0 END, song_id
        ) AS copy_number
    FROM sparkify.staging_songs
) AS ranked
WHERE copy_number = 1
