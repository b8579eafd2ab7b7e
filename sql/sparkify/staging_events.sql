-- Raw rows of sparkify/log_data/{yyyy}/{mm}/*.json (NDJSON), one month partition per folder.
-- Columns in the order of the JSON keys and of log_json_path.json (Redshift COPY maps JSONPaths by position).
-- user_id stays text: it is "" on logged-out rows; the models convert it.
CREATE TABLE sparkify.staging_events (
    artist VARCHAR(1024),
    auth VARCHAR(32),
    first_name VARCHAR(256),
    gender VARCHAR(8),
    item_in_session INTEGER NOT NULL,
    last_name VARCHAR(256),
    length DOUBLE PRECISION,
    level VARCHAR(16),
    location VARCHAR(512),
    method VARCHAR(16),
    page VARCHAR(64) NOT NULL,
    registration DOUBLE PRECISION,
    session_id BIGINT NOT NULL,
    song VARCHAR(1024),
    status INTEGER,
    ts BIGINT NOT NULL,
    user_agent VARCHAR(1024),
    user_id VARCHAR(32),
    month DATE NOT NULL,
    _source_file VARCHAR(1024) NOT NULL
);
