CREATE TABLE capstone.load_audit (
    run_id VARCHAR(64) NOT NULL,
    asset VARCHAR(256) NOT NULL,
    partition_key VARCHAR(256) NOT NULL,
    files VARCHAR(65535) NOT NULL,
    source_rows BIGINT,
    rows_loaded BIGINT,
    rows_rejected BIGINT,
    status VARCHAR(16) NOT NULL,
    error VARCHAR(65535),
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);
