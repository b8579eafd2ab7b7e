-- (d) The most common topics of mentor questions: two-word phrase counts.
SELECT
    phrase,
    CAST(SUM(occurrences) AS BIGINT) AS questions,
    ROW_NUMBER() OVER (ORDER BY SUM(occurrences) DESC, phrase) AS topic_rank
FROM learning.text_phrases
WHERE source = 'mentor_question'
GROUP BY phrase
