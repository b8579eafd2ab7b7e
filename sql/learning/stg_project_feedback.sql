CREATE TABLE learning.stg_project_feedback (
    feedback_id BIGINT,
    user_id BIGINT,
    project_id BIGINT,
    submitted_at TIMESTAMP,
    rating SMALLINT,
    feedback_text VARCHAR(4096),
    degree VARCHAR(64) NOT NULL,
    month DATE NOT NULL,
    _source_file VARCHAR(1024) NOT NULL
);
