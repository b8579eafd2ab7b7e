-- Two-word phrases (bigrams of text_terms: stop words and filler removed) of negative feedback (rating 1 or 2)
-- and of mentor questions, counted per source and degree: the raw counts beside the TF-IDF marts.
SELECT
    CASE WHEN source = 'mentor_question' THEN 'mentor_question' ELSE 'negative_feedback' END AS source,
    degree,
    term AS phrase,
    COUNT(*) AS occurrences
FROM learning.text_terms
WHERE words = 2 AND (source = 'mentor_question' OR rating <= 2)
GROUP BY CASE WHEN source = 'mentor_question' THEN 'mentor_question' ELSE 'negative_feedback' END, degree, term
