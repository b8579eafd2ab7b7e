-- Accelerometer readings of customers who agreed to share their data for research.
SELECT a."user", a."timestamp", a.x, a.y, a.z
FROM stedi.accelerometer_landing AS a
WHERE a."user" IN (SELECT c.email FROM stedi.customer_trusted AS c)
