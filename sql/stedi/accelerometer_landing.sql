CREATE TABLE stedi.accelerometer_landing (
    "user" VARCHAR(256) NOT NULL,
    "timestamp" BIGINT NOT NULL,
    x DOUBLE PRECISION NOT NULL,
    y DOUBLE PRECISION NOT NULL,
    z DOUBLE PRECISION NOT NULL,
    _source_file VARCHAR(1024) NOT NULL
);
