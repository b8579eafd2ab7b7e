-- Raw rows of sparkify/song_data/**/TR*.json, one JSON object per file (Million Song Dataset subset).
CREATE TABLE sparkify.staging_songs (
    num_songs INTEGER,
    artist_id VARCHAR(32) NOT NULL,
    artist_latitude DOUBLE PRECISION,
    artist_longitude DOUBLE PRECISION,
    artist_location VARCHAR(1024),
    artist_name VARCHAR(1024) NOT NULL,
    song_id VARCHAR(32) NOT NULL,
    title VARCHAR(1024) NOT NULL,
    duration DOUBLE PRECISION,
    year INTEGER,
    _source_file VARCHAR(1024) NOT NULL
);
