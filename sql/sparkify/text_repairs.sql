-- Double-encoded (mojibake) artist and song names of one month of logs, with their repaired text.
-- Written by capstone_assets/sparkify/text_repair.py; only values that round-trip cleanly appear here.
CREATE TABLE sparkify.text_repairs (
    raw_text VARCHAR(1024) NOT NULL,
    repaired_text VARCHAR(1024) NOT NULL,
    occurrences INTEGER NOT NULL,
    month DATE NOT NULL
);
