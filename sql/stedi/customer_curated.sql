-- The source system's name for customers_curated (singular "customer"): a view over it, so the users'
-- existing Athena queries and Glue jobs that read customer_curated keep working.
SELECT * FROM stedi.customers_curated
