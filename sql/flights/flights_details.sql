-- One row per flight, for analysts: the flight date as a DATE, airline and airport names and locations
-- instead of codes. Airports that do not resolve (numeric DOT ids) keep the flight, with empty names.
SELECT
    TO_DATE(CAST(f.year * 10000 + f.month * 100 + f.day AS VARCHAR(8)), 'YYYYMMDD') AS flight_date,
    f.day_of_week,
    al.airline AS airline,
    f.flight_number,
    f.tail_number,
    o.airport AS origin_airport,
    o.city AS origin_city,
    o.state AS origin_state,
    o.latitude AS origin_latitude,
    o.longitude AS origin_longitude,
    d.airport AS destination_airport,
    d.city AS destination_city,
    d.state AS destination_state,
    d.latitude AS destination_latitude,
    d.longitude AS destination_longitude,
    f.scheduled_departure,
    f.departure_time,
    f.departure_delay,
    f.scheduled_arrival,
    f.arrival_time,
    f.arrival_delay,
    f.distance,
    f.diverted,
    f.cancelled,
    CASE f.cancellation_reason
        WHEN 'A' THEN 'Airline/Carrier'
        WHEN 'B' THEN 'Weather'
        WHEN 'C' THEN 'National Air System'
        WHEN 'D' THEN 'Security'
    END AS cancellation_reason
FROM flights.flights AS f
LEFT JOIN flights.airlines AS al ON al.iata_code = f.airline
LEFT JOIN flights.airports AS o ON o.iata_code = f.origin_airport
LEFT JOIN flights.airports AS d ON d.iata_code = f.destination_airport
