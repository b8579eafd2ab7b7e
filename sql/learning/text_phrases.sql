-- Two-word phrases of negative feedback (rating 1 or 2) and of mentor questions, counted per source and degree.
-- Words are split on spaces after lower-casing and dropping punctuation; phrases with a filler word are left out.
WITH texts AS (
    SELECT 'negative_feedback' AS source, degree, feedback_text AS body
    FROM learning.stg_project_feedback WHERE rating <= 2
    UNION ALL
    SELECT 'negative_feedback' AS source, degree, feedback_text AS body
    FROM learning.stg_section_feedback WHERE rating <= 2
    UNION ALL
    SELECT 'mentor_question' AS source, degree, question_text AS body
    FROM learning.stg_mentor_activity
),
cleaned AS (
    -- nested REPLACE rather than TRANSLATE: DuckDB inlines this into every SPLIT_PART below, and its TRANSLATE is slow
    SELECT source, degree,
           LOWER(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
               body, '.', ''), ',', ''), ';', ''), ':', ''), '!', ''), '?', ''), '(', ''), ')', ''), '"', '')) AS body
    FROM texts
),
positions AS (
    -- word positions 1..40; dim_videos always has more rows than that
    SELECT ROW_NUMBER() OVER (ORDER BY video_id) AS n FROM learning.dim_videos
),
pairs AS (
    SELECT c.source, c.degree, SPLIT_PART(c.body, ' ', p.n) AS first_word, SPLIT_PART(c.body, ' ', p.n + 1) AS second_word
    FROM cleaned AS c
    -- a pair starting at word n needs at least n spaces in the body
    JOIN positions AS p ON p.n <= 40 AND p.n <= LENGTH(c.body) - LENGTH(REPLACE(c.body, ' ', ''))
)
SELECT source, degree, first_word || ' ' || second_word AS phrase, COUNT(*) AS occurrences
FROM pairs
WHERE LENGTH(first_word) > 2 AND LENGTH(second_word) > 2
  AND first_word NOT IN ('the', 'and', 'this', 'that', 'was', 'were', 'are', 'with', 'for', 'made', 'has', 'had',
                         'have', 'but', 'not', 'you', 'your', 'our', 'its', 'all', 'very', 'really', 'how', 'what',
                         'why', 'when', 'can', 'does', 'did', 'should', 'get', 'from', 'into', 'about', 'again')
  AND second_word NOT IN ('the', 'and', 'this', 'that', 'was', 'were', 'are', 'with', 'for', 'made', 'has', 'had',
                          'have', 'but', 'not', 'you', 'your', 'our', 'its', 'all', 'very', 'really', 'how', 'what',
                          'why', 'when', 'can', 'does', 'did', 'should', 'get', 'from', 'into', 'about', 'again')
GROUP BY source, degree, first_word || ' ' || second_word
