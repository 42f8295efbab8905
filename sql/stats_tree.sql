-- sql/stats_tree.sql: the calling-context tree of a run, one row per call path node
-- (pscope-stats --tree). Parameters: :run_id, :max_depth (deepest callpath.depth wanted;
-- roots have depth 0).
--
-- The tool links rows by parent_id and orders siblings by inclusive time; shares are of
-- the run's thread time (sum of all self times), as in stats_functions.sql.
-- Cost: the run's callpath rows (exact aggregates), never `call`.
WITH run_total AS (
  SELECT COALESCE(SUM(self_dur), 0) AS thread_time
  FROM function_stat
  WHERE run_id = :run_id
)
SELECT c.id          AS callpath_id,
       c.parent_id   AS parent_id,
       c.depth       AS depth,
       c.calls       AS calls,
       c.total_dur   AS total_dur,
       c.self_dur    AS self_dur,
       c.min_dur     AS min_dur,
       c.max_dur     AS max_dur,
       f.id          AS function_id,
       f.name        AS name,
       f.file        AS file,
       f.line        AS line,
       rt.thread_time AS thread_time
FROM callpath c
JOIN function f ON f.id = c.function_id
CROSS JOIN run_total rt
WHERE c.run_id = :run_id
  AND c.depth <= :max_depth
ORDER BY c.depth, c.id;
