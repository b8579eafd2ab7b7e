-- (2) The most common technical question prompts in mentor activity, per project asked about, by TF-IDF
-- (mentor_question_terms): tfidf = idf(t) * sum of tf(t, q) over the project's questions. topic_rank orders each
-- project's phrases by tfidf (then phrase); `questions` counts the project's questions containing the phrase.
WITH per_project AS (
    SELECT project_id, term, words, MAX(idf) AS idf, COUNT(*) AS questions, SUM(tf) * MAX(idf) AS tfidf
    FROM learning.mentor_question_terms
    GROUP BY project_id, term, words
)
SELECT
    t.project_id,
    p.project_name,
    p.degree,
    t.term AS phrase,
    t.words,
    CAST(t.questions AS BIGINT) AS questions,
    ROUND(t.idf, 6) AS idf,
    ROUND(t.tfidf, 6) AS tfidf,
    ROW_NUMBER() OVER (PARTITION BY t.project_id ORDER BY ROUND(t.tfidf, 6) DESC, t.term) AS topic_rank
FROM per_project AS t
JOIN learning.dim_projects AS p ON p.project_id = t.project_id
