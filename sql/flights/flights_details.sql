-- One row per flight, for analysts: the flight date as a DATE, and airlines and airports in descriptive form
-- beside their codes. The codes keep the source's column names (airline, origin_airport, destination_airport);
-- names and locations sit next to them. A 5-digit numeric DOT airport id (October 2015) resolves to no name:
-- its name column shows the id itself and its location columns are empty, so the flight is kept and readable.
-- Every measured column of the flight is kept: taxi, wheels, elapsed and air time, and the five delay causes.
SELECT
    TO_DATE(CAST(f.year * 10000 + f.month * 100 + f.day AS VARCHAR(8)), 'YYYYMMDD') AS flight_date,
    f.day_of_week,
    f.airline,
    al.airline AS airline_name,
    f.flight_number,
    f.tail_number,
    f.origin_airport,
    COALESCE(o.airport, f.origin_airport) AS origin_airport_name,
    o.city AS origin_city,
    o.state AS origin_state,
    o.latitude AS origin_latitude,
    o.longitude AS origin_longitude,
    f.destination_airport,
    COALESCE(d.airport, f.destination_airport) AS destination_airport_name,
    d.city AS destination_city,
    d.state AS destination_state,
    d.latitude AS destination_latitude,
    d.longitude AS destination_longitude,
    f.scheduled_departure,
    f.departure_time,
    f.departure_delay,
    f.taxi_out,
    f.wheels_off,
    f.scheduled_time,
    f.elapsed_time,
    f.air_time,
    f.distance,
    f.wheels_on,
    f.taxi_in,
    f.scheduled_arrival,
    f.arrival_time,
    f.arrival_delay,
    f.diverted,
    f.cancelled,
    CASE f.cancellation_reason
        WHEN 'A' THEN 'Airline/Carrier'
        WHEN 'B' THEN 'Weather'
        WHEN 'C' THEN 'National Air System'
        WHEN 'D' THEN 'Security'
    END AS cancellation_reason,
    f.air_system_delay,
    f.security_delay,
    f.airline_delay,
    f.late_aircraft_delay,
    f.weather_delay
FROM flights.flights AS f
LEFT JOIN flights.airlines AS al ON al.iata_code = f.airline
LEFT JOIN flights.airports AS o ON o.iata_code = f.origin_airport
LEFT JOIN flights.airports AS d ON d.iata_code = f.destination_airport
