-- The terms of each document in text_documents, one row per occurrence: every word (a unigram, words = 1) and
-- every pair of adjacent words (a bigram, words = 2). The cleaned body is split on single spaces; a word is kept
-- when it has at least 2 characters and is not in text_stop_words; a bigram when both its words are kept (a
-- dropped word breaks the pair, it is not bridged).
WITH words AS (
    SELECT
        d.source, d.document_id, d.degree, d.project_id, d.section_id, d.rating,
        SPLIT_PART(d.body, ' ', p.n) AS word,
        SPLIT_PART(d.body, ' ', p.n + 1) AS next_word
    FROM learning.text_documents AS d
    JOIN learning.word_positions AS p ON p.n <= 1 + LENGTH(d.body) - LENGTH(REPLACE(d.body, ' ', ''))
),
kept AS (
    SELECT
        w.source, w.document_id, w.degree, w.project_id, w.section_id, w.rating, w.word, w.next_word,
        CASE WHEN LENGTH(w.word) >= 2 AND first_stop.word IS NULL THEN 1 ELSE 0 END AS keep_word,
        CASE WHEN LENGTH(w.next_word) >= 2 AND next_stop.word IS NULL THEN 1 ELSE 0 END AS keep_next
    FROM words AS w
    LEFT JOIN learning.text_stop_words AS first_stop ON first_stop.word = w.word
    LEFT JOIN learning.text_stop_words AS next_stop ON next_stop.word = w.next_word
)
SELECT source, document_id, degree, project_id, section_id, rating, word AS term, 1 AS words
FROM kept
WHERE keep_word = 1
UNION ALL
SELECT source, document_id, degree, project_id, section_id, rating, word || ' ' || next_word AS term, 2 AS words
FROM kept
WHERE keep_word = 1 AND keep_next = 1
