-- (c) The most common themes of negative feedback: two-word phrase counts.
SELECT
    phrase,
    COUNT(*) AS mentions,
    ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, phrase) AS theme_rank
FROM learning.text_phrases
WHERE source = 'negative_feedback'
GROUP BY phrase
