-- Each step-trainer reading with the accelerometer readings of its device's customer at the same time:
-- consenting customers only, and only what a model needs (no names, emails, phones or birthdays).
SELECT
    s.sensorreadingtime,
    s.serialnumber,
    s.distancefromobject,
    a.x,
    a.y,
    a.z
FROM stedi.step_trainer_trusted AS s
JOIN stedi.customers_curated AS c ON c.serialnumber = s.serialnumber
JOIN stedi.accelerometer_trusted AS a ON a."user" = c.email AND a."timestamp" = s.sensorreadingtime
