CREATE TABLE learning.stg_video_log (
    view_id BIGINT,
    user_id BIGINT,
    video_id BIGINT,
    viewed_at TIMESTAMP,
    watched_seconds INTEGER,
    degree VARCHAR(64) NOT NULL,
    month DATE NOT NULL,
    _source_file VARCHAR(1024) NOT NULL
);
