-- (c) The most common themes of negative feedback: two-word phrase counts.
SELECT
    phrase,
    CAST(SUM(occurrences) AS BIGINT) AS mentions,
    ROW_NUMBER() OVER (ORDER BY SUM(occurrences) DESC, phrase) AS theme_rank
FROM learning.text_phrases
WHERE source = 'negative_feedback'
GROUP BY phrase
