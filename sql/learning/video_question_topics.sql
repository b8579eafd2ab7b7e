-- (6) Content questions to put into video lessons: the topics of the mentor questions that name a video
-- (text_video_mentions), per video and its section, by TF-IDF (mentor_question_terms): tfidf = idf(t) * sum of
-- tf(t, q) over the questions naming the video. The words of the video's own title are not topics of it.
-- A section's weight of a phrase is the sum of its videos' tfidf (idf is the same for every video).
WITH per_video AS (
    SELECT m.video_id, t.term, t.words, MAX(t.idf) AS idf, COUNT(*) AS questions, SUM(t.tf) * MAX(t.idf) AS tfidf
    FROM learning.mentor_question_terms AS t
    JOIN learning.text_video_mentions AS m ON m.source = 'mentor_question' AND m.document_id = t.question_id
    GROUP BY m.video_id, t.term, t.words
)
SELECT
    t.video_id,
    v.video_title,
    v.section_id,
    v.section_name,
    v.degree,
    t.term AS phrase,
    t.words,
    CAST(t.questions AS BIGINT) AS questions,
    ROUND(t.idf, 6) AS idf,
    ROUND(t.tfidf, 6) AS tfidf,
    ROW_NUMBER() OVER (PARTITION BY t.video_id ORDER BY ROUND(t.tfidf, 6) DESC, t.term) AS topic_rank
FROM per_video AS t
JOIN learning.dim_videos AS v ON v.video_id = t.video_id
WHERE POSITION(' ' || t.term || ' ' IN ' ' || LOWER(v.video_title) || ' ') = 0
