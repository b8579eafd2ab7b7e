CREATE TABLE learning.stg_enrollments (
    enrollment_id BIGINT,
    user_id BIGINT,
    degree VARCHAR(64),
    enrolled_at TIMESTAMP,
    _source_file VARCHAR(1024) NOT NULL
);
