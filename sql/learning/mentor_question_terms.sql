-- The TF-IDF weight of each term in each mentor question (the method of negative_feedback_themes):
--   tf(t, q)  = occurrences of t in q / occurrences of all terms in q (text_body_terms: the same for every
--               question with the same body)
--   idf(t)    = ln(N / df(t)), N = all mentor questions (every degree), df(t) = the questions containing t
-- A topic's weight for a project or a video is idf(t) times the sum of tf(t, q) over its questions.
WITH questions AS (
    SELECT document_id AS question_id, degree, project_id, body
    FROM learning.text_documents
    WHERE source = 'mentor_question'
),
questions_with_term AS (
    SELECT t.term, SUM(q.questions) AS questions
    FROM (SELECT body, COUNT(*) AS questions FROM questions GROUP BY body) AS q
    JOIN learning.text_body_terms AS t ON t.body = q.body
    GROUP BY t.term
)
SELECT
    q.question_id, q.degree, q.project_id, t.term, t.words, t.tf,
    LN(1.0 * n.questions / w.questions) AS idf
FROM questions AS q
JOIN learning.text_body_terms AS t ON t.body = q.body
JOIN questions_with_term AS w ON w.term = t.term
CROSS JOIN (SELECT COUNT(*) AS questions FROM questions) AS n
