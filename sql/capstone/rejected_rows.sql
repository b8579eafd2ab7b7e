CREATE TABLE capstone.rejected_rows (
    run_id VARCHAR(64) NOT NULL,
    asset VARCHAR(256) NOT NULL,
    partition_key VARCHAR(256) NOT NULL,
    source_file VARCHAR(1024) NOT NULL,
    line_number BIGINT,
    column_name VARCHAR(256),
    reason VARCHAR(65535) NOT NULL,
    raw_line VARCHAR(65535),
    recorded_at TIMESTAMP NOT NULL
);
