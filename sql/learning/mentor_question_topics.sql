-- (d) The most common topics of mentor questions: two-word phrase counts.
SELECT
    phrase,
    COUNT(*) AS questions,
    ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, phrase) AS topic_rank
FROM learning.text_phrases
WHERE source = 'mentor_question'
GROUP BY phrase
