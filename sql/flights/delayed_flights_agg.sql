-- Flights that arrived late (arrival_delay > 0), by airline, origin airport and date.
SELECT
    TO_DATE(CAST(f.year * 10000 + f.month * 100 + f.day AS VARCHAR(8)), 'YYYYMMDD') AS flight_date,
    f.airline AS airline_code,
    MAX(al.airline) AS airline,
    f.origin_airport AS origin_airport_code,
    MAX(o.airport) AS origin_airport,
    MAX(o.city) AS origin_city,
    MAX(o.state) AS origin_state,
    COUNT(*) AS delayed_flights,
    SUM(f.arrival_delay) AS total_arrival_delay,
    ROUND(AVG(CAST(f.arrival_delay AS DOUBLE PRECISION)), 2) AS average_arrival_delay
FROM flights.flights AS f
LEFT JOIN flights.airlines AS al ON al.iata_code = f.airline
LEFT JOIN flights.airports AS o ON o.iata_code = f.origin_airport
WHERE f.arrival_delay > 0
GROUP BY 1, f.airline, f.origin_airport
