-- Consenting customers who have accelerometer data.
SELECT
    c.customername, c.email, c.phone, c.birthday, c.serialnumber, c.registrationdate, c.lastupdatedate,
    c.sharewithresearchasofdate, c.sharewithpublicasofdate, c.sharewithfriendsasofdate
FROM stedi.customer_trusted AS c
WHERE c.email IN (SELECT a."user" FROM stedi.accelerometer_trusted AS a)
