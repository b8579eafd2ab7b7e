-- The terms of each document in text_documents, one row per occurrence: the terms of its body (text_body_terms:
-- words of at least 2 characters that are no stop words, and pairs of adjacent kept words).
SELECT d.source, d.document_id, d.degree, d.project_id, d.section_id, d.rating, t.term, t.words
FROM learning.text_documents AS d
JOIN learning.text_body_terms AS t ON t.body = d.body
JOIN learning.word_positions AS p ON p.n <= t.occurrences
