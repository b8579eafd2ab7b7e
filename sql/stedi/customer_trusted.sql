-- Customers who agreed to share their data for research: one row per email, from its latest record.
-- A customer whose latest record (ties: any of them) has no research-consent date is left out.
SELECT
    customername, email, phone, birthday, serialnumber, registrationdate, lastupdatedate,
    sharewithresearchasofdate, sharewithpublicasofdate, sharewithfriendsasofdate
FROM (
    SELECT
        *,
        ROW_NUMBER() OVER (
            PARTITION BY email
            ORDER BY lastupdatedate DESC, CASE WHEN sharewithresearchasofdate IS NULL THEN 0 ELSE 1 END, registrationdate DESC, serialnumber
        ) AS copy_number
    FROM stedi.customer_landing
) AS ranked
WHERE copy_number = 1 AND sharewithresearchasofdate IS NOT NULL
