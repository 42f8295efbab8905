-- sql/html_spans.sql: the ended top-level stage spans of a run in time order (start and
-- duration in ns), shaded on the resource timeline of pscope-html
-- (tools/lib/rundata_timeline.c); at most :limit of them.
SELECT name AS name,
       ts   AS ts,
       dur  AS dur
FROM stage
WHERE run_id = :run_id
  AND parent_id IS NULL
  AND dur IS NOT NULL
ORDER BY ts, id
LIMIT :limit;
