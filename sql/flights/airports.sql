-- Reference: one row per airport, loaded as-is from flights/airports.csv (names are UTF-8, some non-ASCII).
CREATE TABLE flights.airports (
    iata_code VARCHAR(5) NOT NULL,
    airport VARCHAR(256),
    city VARCHAR(128),
    state VARCHAR(8),
    country VARCHAR(64),
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    _source_file VARCHAR(1024) NOT NULL
)
DISTSTYLE ALL
SORTKEY (iata_code);
