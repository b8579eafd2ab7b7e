-- (1) The most common trends of negative feedback by TF-IDF phrase analysis, per degree and over all degrees.
-- Documents: each project or section feedback text (text_documents). Terms: its words and adjacent-word pairs,
-- stop words and filler removed (text_body_terms). In each scope (one degree, or 'all degrees'):
--   tf(t, d)  = occurrences of t in d / occurrences of all terms in d
--   idf(t)    = ln(N / df(t)), N = feedback documents in the scope (any rating), df(t) = those containing t
--   tfidf(t)  = idf(t) * sum of tf(t, d) over the scope's negative documents (rating 1 or 2)
-- Phrases common to all feedback weigh little; phrases of negative feedback weigh by how much of it they make.
-- theme_rank orders each scope by the tfidf shown (6 decimals: the further digits of a float sum vary between runs),
-- then phrase; `mentions` counts the negative documents containing it.
-- Documents with the same body have the same terms and tf, so tf comes once per body (text_body_terms), weighed
-- by how many documents, and negative documents, of each degree have that body.
WITH feedback_bodies AS (
    SELECT degree, body, COUNT(*) AS documents, SUM(CASE WHEN rating <= 2 THEN 1 ELSE 0 END) AS negative_documents
    FROM learning.text_documents
    WHERE source IN ('project_feedback', 'section_feedback')
    GROUP BY degree, body
),
per_degree AS (
    SELECT f.degree, t.term, t.words,
           SUM(f.documents) AS documents_with_term,
           SUM(f.negative_documents) AS mentions,
           SUM(f.negative_documents * t.tf) AS negative_tf
    FROM feedback_bodies AS f
    JOIN learning.text_body_terms AS t ON t.body = f.body
    GROUP BY f.degree, t.term, t.words
),
-- Each document belongs to one degree (a feedback id is unique in its table: its unique check), so the totals of
-- 'all degrees' are the sums of the degrees' totals.
per_term AS (
    SELECT degree AS scope, term, words, documents_with_term, mentions, negative_tf
    FROM per_degree
    UNION ALL
    SELECT 'all degrees' AS scope, term, words, SUM(documents_with_term) AS documents_with_term,
           SUM(mentions) AS mentions, SUM(negative_tf) AS negative_tf
    FROM per_degree
    GROUP BY term, words
),
documents AS (
    SELECT degree AS scope, COUNT(*) AS n
    FROM learning.text_documents WHERE source IN ('project_feedback', 'section_feedback')
    GROUP BY degree
    UNION ALL
    SELECT 'all degrees' AS scope, COUNT(*) AS n
    FROM learning.text_documents WHERE source IN ('project_feedback', 'section_feedback')
),
scored AS (
    SELECT t.scope, t.term, t.words, t.mentions, t.documents_with_term, d.n AS documents,
           LN(1.0 * d.n / t.documents_with_term) AS idf,
           t.negative_tf * LN(1.0 * d.n / t.documents_with_term) AS tfidf
    FROM per_term AS t
    JOIN documents AS d ON d.scope = t.scope
    WHERE t.mentions > 0
)
SELECT
    scope AS degree,
    term AS phrase,
    words,
    CAST(mentions AS BIGINT) AS mentions,
    CAST(documents_with_term AS BIGINT) AS feedback_with_phrase,
    CAST(documents AS BIGINT) AS feedback_documents,
    ROUND(idf, 6) AS idf,
    ROUND(tfidf, 6) AS tfidf,
    ROW_NUMBER() OVER (PARTITION BY scope ORDER BY ROUND(tfidf, 6) DESC, term) AS theme_rank
FROM scored
