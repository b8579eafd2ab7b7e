-- The most played artists: songplays matched to song_data (artist_id set), ranked by plays (ties share a rank).
SELECT
    RANK() OVER (ORDER BY COUNT(*) DESC) AS artist_rank,
    p.artist_id,
    a.name AS artist_name,
    COUNT(*) AS plays,
    COUNT(DISTINCT p.song_id) AS songs_played,
    COUNT(DISTINCT p.user_id) AS listeners
FROM sparkify.songplays AS p
JOIN sparkify.artists AS a ON a.artist_id = p.artist_id
GROUP BY p.artist_id, a.name
