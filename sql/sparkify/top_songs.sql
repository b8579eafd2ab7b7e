-- The most played songs: songplays matched to song_data (song_id set), with title and artist, ranked by plays
-- (ties share a rank). Plays that matched no song in song_data are not here (see songplays.song_id).
SELECT
    RANK() OVER (ORDER BY COUNT(*) DESC) AS song_rank,
    p.song_id,
    s.title,
    p.artist_id,
    a.name AS artist_name,
    COUNT(*) AS plays,
    COUNT(DISTINCT p.user_id) AS listeners
FROM sparkify.songplays AS p
JOIN sparkify.songs AS s ON s.song_id = p.song_id
JOIN sparkify.artists AS a ON a.artist_id = p.artist_id
GROUP BY p.song_id, s.title, p.artist_id, a.name
