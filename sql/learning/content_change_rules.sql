-- The classification of requested technical or content changes: one row per (category, pattern). A text asks
-- for a change of a category when its cleaned body (text_documents: lower case, no . , ; : ! ? ( ) ") contains
-- one of the category's patterns starting at the start of a word ('update' finds "updated", not "this old" for
-- 'is old'); a text may ask for several. The one list; content_change_requests reads it.
SELECT 'update' AS category, 'update' AS pattern
UNION ALL SELECT 'update', 'outdated'
UNION ALL SELECT 'update', 'out of date'
UNION ALL SELECT 'update', 'deprecated'
UNION ALL SELECT 'update', 'old version'
UNION ALL SELECT 'update', 'is old'
UNION ALL SELECT 'broken link', 'broken link'
UNION ALL SELECT 'broken link', 'dead link'
UNION ALL SELECT 'broken link', 'link is broken'
UNION ALL SELECT 'broken link', 'link does not work'
UNION ALL SELECT 'add example', 'add example'
UNION ALL SELECT 'add example', 'add an example'
UNION ALL SELECT 'add example', 'add more example'
UNION ALL SELECT 'add example', 'missing example'
UNION ALL SELECT 'add example', 'need an example'
UNION ALL SELECT 'fix error', 'typo'
UNION ALL SELECT 'fix error', 'mistake'
UNION ALL SELECT 'fix error', 'wrong answer'
UNION ALL SELECT 'fix code', 'broken starter code'
UNION ALL SELECT 'fix code', 'code does not run'
UNION ALL SELECT 'clarify', 'confusing'
UNION ALL SELECT 'clarify', 'unclear'
UNION ALL SELECT 'audio or video quality', 'poor audio'
UNION ALL SELECT 'audio or video quality', 'audio quality'
UNION ALL SELECT 'audio or video quality', 'low resolution'
