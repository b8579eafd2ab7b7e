-- One row per flight of the newest vendor upload (flights/uploads/*.csv), replaced whole on every reload.
-- Clock times stay zero-padded 'hhmm' text ('0005', '2400'); empty fields are NULL.
CREATE TABLE flights.flights (
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    day INTEGER NOT NULL,
    day_of_week INTEGER,
    airline VARCHAR(3) NOT NULL,
    flight_number INTEGER,
    tail_number VARCHAR(16),
    origin_airport VARCHAR(5) NOT NULL,
    destination_airport VARCHAR(5) NOT NULL,
    scheduled_departure VARCHAR(4),
    departure_time VARCHAR(4),
    departure_delay INTEGER,
    taxi_out INTEGER,
    wheels_off VARCHAR(4),
    scheduled_time INTEGER,
    elapsed_time INTEGER,
    air_time INTEGER,
    distance INTEGER,
    wheels_on VARCHAR(4),
    taxi_in INTEGER,
    scheduled_arrival VARCHAR(4),
    arrival_time VARCHAR(4),
    arrival_delay INTEGER,
    diverted BOOLEAN,
    cancelled BOOLEAN,
    cancellation_reason VARCHAR(1),
    air_system_delay INTEGER,
    security_delay INTEGER,
    airline_delay INTEGER,
    late_aircraft_delay INTEGER,
    weather_delay INTEGER,
    _source_file VARCHAR(1024) NOT NULL
)
DISTSTYLE EVEN
SORTKEY (airline);
