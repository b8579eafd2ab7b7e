-- Reference: one row per airline, loaded as-is from flights/airlines.csv (or airlines.txt).
CREATE TABLE flights.airlines (
    iata_code VARCHAR(3) NOT NULL,
    airline VARCHAR(256),
    _source_file VARCHAR(1024) NOT NULL
)
DISTSTYLE ALL
SORTKEY (iata_code);
