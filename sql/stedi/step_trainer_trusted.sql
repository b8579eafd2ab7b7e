-- Step-trainer readings of the devices of curated customers. A serial number that several customers
-- (emails) share in customer_landing cannot be attributed to one of them: its readings are left out
-- (and reported by the serial_number_shared_by_customers check).
SELECT s.sensorreadingtime, s.serialnumber, s.distancefromobject
FROM stedi.step_trainer_landing AS s
WHERE s.serialnumber IN (SELECT c.serialnumber FROM stedi.customers_curated AS c)
  AND s.serialnumber IN (
      SELECT l.serialnumber FROM stedi.customer_landing AS l GROUP BY l.serialnumber HAVING COUNT(DISTINCT l.email) = 1
  )
