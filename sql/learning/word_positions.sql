-- Word positions 1 to 10,000 (more words than a 4,096-character text can hold), joined to a text to split it
-- into words with SPLIT_PART: neither engine has one portable function that turns a string into rows.
WITH digits AS (
    SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
    UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9
)
SELECT 1 + units.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d AS n
FROM digits AS units
CROSS JOIN digits AS tens
CROSS JOIN digits AS hundreds
CROSS JOIN digits AS thousands
