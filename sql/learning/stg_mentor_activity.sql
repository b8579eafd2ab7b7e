CREATE TABLE learning.stg_mentor_activity (
    question_id BIGINT,
    user_id BIGINT,
    mentor_id BIGINT,
    project_id BIGINT,
    asked_at TIMESTAMP,
    question_text VARCHAR(4096),
    response_minutes INTEGER,
    degree VARCHAR(64) NOT NULL,
    month DATE NOT NULL,
    _source_file VARCHAR(1024) NOT NULL
);
