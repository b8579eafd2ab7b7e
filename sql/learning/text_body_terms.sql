-- The terms of each distinct cleaned body of text_documents, one row per term: every word (a unigram, words = 1)
-- and every pair of adjacent words (a bigram, words = 2), its occurrences in the body and its term frequency
-- tf = occurrences / occurrences of all the body's terms. The body is split on single spaces; a word is
-- kept when it has at least 2 characters and is not in text_stop_words; a bigram when both its words are kept (a
-- dropped word breaks the pair, it is not bridged). Texts repeat (short feedback such as "great project" is written
-- by many users) and the terms depend on the body alone, so each body is split once; text_terms gives them per
-- document, and the TF-IDF marts weigh a body's terms by the documents that have it.
WITH bodies AS (
    SELECT DISTINCT body FROM learning.text_documents
),
words AS (
    SELECT
        b.body,
        SPLIT_PART(b.body, ' ', p.n) AS word,
        SPLIT_PART(b.body, ' ', p.n + 1) AS next_word
    FROM bodies AS b
    JOIN learning.word_positions AS p ON p.n <= 1 + LENGTH(b.body) - LENGTH(REPLACE(b.body, ' ', ''))
),
kept AS (
    SELECT
        w.body, w.word, w.next_word,
        CASE WHEN LENGTH(w.word) >= 2 AND first_stop.word IS NULL THEN 1 ELSE 0 END AS keep_word,
        CASE WHEN LENGTH(w.next_word) >= 2 AND next_stop.word IS NULL THEN 1 ELSE 0 END AS keep_next
    FROM words AS w
    LEFT JOIN learning.text_stop_words AS first_stop ON first_stop.word = w.word
    LEFT JOIN learning.text_stop_words AS next_stop ON next_stop.word = w.next_word
),
counted AS (
    SELECT body, term, words, COUNT(*) AS occurrences
    FROM (
        SELECT body, word AS term, 1 AS words FROM kept WHERE keep_word = 1
        UNION ALL
        SELECT body, word || ' ' || next_word AS term, 2 AS words FROM kept WHERE keep_word = 1 AND keep_next = 1
    ) AS terms
    GROUP BY body, term, words
)
SELECT body, term, words, occurrences, 1.0 * occurrences / SUM(occurrences) OVER (PARTITION BY body) AS tf
FROM counted
