-- The words phrase analysis leaves out (the one list; text_terms reads it). Two kinds:
--   'stop word': English function words, which name no topic;
--   'filler':    the platform's own phrasing around a topic: the sentiment a rating already says ("frustrating",
--                "lost hours because"), the wording of requests and questions ("please fix", "keeps failing",
--                "any hints") and the words that point at a lesson ("lesson", "about").
-- Each list is one space-separated string; a word listed twice fails the unique check on `word`.
WITH lists AS (
    SELECT 'stop word' AS kind,
           'a an the and or but if of to in on at by for with from into onto about as is are was were be been '
           || 'being am do does did doing have has had having me my we our ours you your yours he she it its they '
           || 'them their this that these those there here what which who whom how why when where can could should '
           || 'would will shall may might must not no nor so too very really just any some all more most other '
           || 'others such only own same than then also again once each few both up down out off over under im ive '
           || 'itself us something anything nothing bit lot one' AS words
    UNION ALL
    SELECT 'filler' AS kind,
           'frustrating disappointed disappointing honestly real problem lost hours because please fix ruined '
           || 'made okay overall decent special average job fine expected depth good less parts part loved '
           || 'pleasure thanks learned enjoyed keeps failing stuck hints best practice simpler way handle step '
           || 'error lesson found' AS words
)
SELECT SPLIT_PART(l.words, ' ', p.n) AS word, l.kind
FROM lists AS l
JOIN learning.word_positions AS p ON p.n <= 1 + LENGTH(l.words) - LENGTH(REPLACE(l.words, ' ', ''))
