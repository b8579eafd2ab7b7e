-- Two-word phrases (bigrams of text_body_terms: stop words and filler removed) of negative feedback (rating 1 or 2)
-- and of mentor questions, counted per source and degree: the raw counts beside the TF-IDF marts.
SELECT
    CASE WHEN d.source = 'mentor_question' THEN 'mentor_question' ELSE 'negative_feedback' END AS source,
    d.degree,
    t.term AS phrase,
    CAST(SUM(t.occurrences) AS BIGINT) AS occurrences
FROM learning.text_documents AS d
JOIN learning.text_body_terms AS t ON t.body = d.body
WHERE t.words = 2 AND (d.source = 'mentor_question' OR d.rating <= 2)
GROUP BY CASE WHEN d.source = 'mentor_question' THEN 'mentor_question' ELSE 'negative_feedback' END, d.degree, t.term
