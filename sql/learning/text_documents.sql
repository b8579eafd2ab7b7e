-- Every text of the platform as one document: project feedback, section feedback and mentor questions, with
-- what it concerns. `body` is the text cleaned for phrase analysis: lower case, the characters . , ; : ! ? ( ) "
-- removed (nested REPLACE: both engines have it, and DuckDB's TRANSLATE is slow), so words are split on spaces.
SELECT
    source, document_id, degree, month, user_id, project_id, section_id, rating, written_at,
    LOWER(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
        raw_text, '.', ''), ',', ''), ';', ''), ':', ''), '!', ''), '?', ''), '(', ''), ')', ''), '"', '')) AS body
FROM (
    SELECT 'project_feedback' AS source, feedback_id AS document_id, degree, month, user_id, project_id,
           CAST(NULL AS BIGINT) AS section_id, rating, submitted_at AS written_at, feedback_text AS raw_text
    FROM learning.stg_project_feedback
    UNION ALL
    SELECT 'section_feedback' AS source, feedback_id AS document_id, degree, month, user_id,
           CAST(NULL AS BIGINT) AS project_id, section_id, rating, submitted_at AS written_at, feedback_text AS raw_text
    FROM learning.stg_section_feedback
    UNION ALL
    SELECT 'mentor_question' AS source, question_id AS document_id, degree, month, user_id, project_id,
           CAST(NULL AS BIGINT) AS section_id, CAST(NULL AS SMALLINT) AS rating, asked_at AS written_at,
           question_text AS raw_text
    FROM learning.stg_mentor_activity
) AS texts
WHERE raw_text IS NOT NULL
