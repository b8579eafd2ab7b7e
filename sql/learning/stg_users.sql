CREATE TABLE learning.stg_users (
    user_id BIGINT,
    user_name VARCHAR(256),
    email VARCHAR(256),
    country VARCHAR(128),
    signup_date DATE,
    degree VARCHAR(64),
    _source_file VARCHAR(1024) NOT NULL
);
