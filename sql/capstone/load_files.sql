-- One row per file of each partition load (capstone.load_audit holds the load itself): a song load has thousands.
CREATE TABLE capstone.load_files (
    run_id VARCHAR(64) NOT NULL,
    asset VARCHAR(256) NOT NULL,
    partition_key VARCHAR(256) NOT NULL,
    source_file VARCHAR(1024) NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
