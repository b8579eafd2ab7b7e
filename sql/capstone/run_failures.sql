CREATE TABLE capstone.run_failures (
    run_id VARCHAR(64) NOT NULL,
    job_name VARCHAR(256) NOT NULL,
    assets VARCHAR(65535),
    partition_key VARCHAR(256),
    error VARCHAR(65535),
    failed_at TIMESTAMP NOT NULL
);
