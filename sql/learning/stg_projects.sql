CREATE TABLE learning.stg_projects (
    project_id BIGINT,
    project_name VARCHAR(256),
    degree VARCHAR(64),
    difficulty SMALLINT,
    _source_file VARCHAR(1024) NOT NULL
);
