-- The source system's name for delayed_flights_agg, misspelt as it was ("fligths"): a view over it, so the
-- users' existing queries and dashboards run unchanged. New queries should use delayed_flights_agg.
SELECT * FROM flights.delayed_flights_agg
