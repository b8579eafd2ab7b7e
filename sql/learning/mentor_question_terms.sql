-- The TF-IDF weight of each term in each mentor question (the method of negative_feedback_themes):
--   tf(t, q)  = occurrences of t in q / occurrences of all terms in q
--   idf(t)    = ln(N / df(t)), N = all mentor questions (every degree), df(t) = the questions containing t
-- A topic's weight for a project or a video is idf(t) times the sum of tf(t, q) over its questions.
WITH per_question AS (
    SELECT document_id AS question_id, degree, project_id, term, words, COUNT(*) AS occurrences
    FROM learning.text_terms
    WHERE source = 'mentor_question'
    GROUP BY document_id, degree, project_id, term, words
),
with_tf AS (
    SELECT question_id, degree, project_id, term, words,
           1.0 * occurrences / SUM(occurrences) OVER (PARTITION BY question_id) AS tf,
           COUNT(*) OVER (PARTITION BY term) AS questions_with_term
    FROM per_question
)
SELECT
    q.question_id, q.degree, q.project_id, q.term, q.words, q.tf,
    LN(1.0 * n.questions / q.questions_with_term) AS idf
FROM with_tf AS q
CROSS JOIN (SELECT COUNT(*) AS questions FROM learning.text_documents WHERE source = 'mentor_question') AS n
