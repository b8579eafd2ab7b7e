-- One row per NextSong event. song_id/artist_id come from song_data, matched on title, artist name and
-- duration after repairing double-encoded log text (sparkify.text_repairs). songplay_id is a digest of
-- the event's identity, so re-runs give identical rows. Titles and names are compared without trailing blanks
-- (RTRIM), which is what Redshift's VARCHAR comparison does anyway: DuckDB and PostgreSQL then match the same rows
-- (a few real song titles end in a space).
SELECT
    MD5(CAST(e.session_id AS VARCHAR) || '|' || CAST(e.item_in_session AS VARCHAR) || '|' || CAST(e.ts AS VARCHAR)) AS songplay_id,
    TIMESTAMP 'epoch' + CAST(e.ts AS DOUBLE PRECISION) / 1000 * INTERVAL '1 second' AS start_time,
    CAST(NULLIF(e.user_id, '') AS INTEGER) AS user_id,
    e.level,
    m.song_id,
    m.artist_id,
    e.session_id,
    e.location,
    e.user_agent,
    e.month
FROM sparkify.staging_events AS e
LEFT JOIN sparkify.text_repairs AS artist_fix ON artist_fix.month = e.month AND artist_fix.raw_text = e.artist
LEFT JOIN sparkify.text_repairs AS song_fix ON song_fix.month = e.month AND song_fix.raw_text = e.song
LEFT JOIN (
    SELECT
        s.song_id,
        s.artist_id,
        RTRIM(s.title) AS title,
        RTRIM(a.name) AS artist_name,
        s.duration,
        ROW_NUMBER() OVER (PARTITION BY RTRIM(s.title), RTRIM(a.name), s.duration ORDER BY s.song_id) AS copy_number
    FROM sparkify.songs AS s
    JOIN sparkify.artists AS a ON a.artist_id = s.artist_id
) AS m
    ON m.copy_number = 1
    AND m.title = RTRIM(COALESCE(song_fix.repaired_text, e.song))
    AND m.artist_name = RTRIM(COALESCE(artist_fix.repaired_text, e.artist))
    AND m.duration = e.length
WHERE e.page = 'NextSong'
