CREATE TABLE learning.stg_videos (
    video_id BIGINT,
    video_title VARCHAR(256),
    degree VARCHAR(64),
    section_id BIGINT,
    section_name VARCHAR(256),
    duration_seconds INTEGER,
    _source_file VARCHAR(1024) NOT NULL
);
