-- sql/diff_self_hist.sql: per-call SELF-time histograms of one run's functions for
-- pscope-diff (schema version 2: function_self_hist; pscope-diff skips this query on a
-- version-1 database, which lacks the table). Parameter :run_id. One row per (function key,
-- bucket) with the summed count, keyed and ordered exactly like diff_function.sql (name +
-- module basename, BINARY order), buckets ascending within a function.
WITH keyed AS (
  SELECT f.id,
         f.name,
         COALESCE(replace(f.module, rtrim(f.module, replace(f.module, '/', '')), ''), '') AS module
  FROM function f
  WHERE f.run_id = :run_id
)
SELECT k.name,
       k.module,
       h.bucket,
       SUM(h.count) AS count
FROM keyed k
JOIN function_self_hist h ON h.function_id = k.id
GROUP BY k.name, k.module, h.bucket
ORDER BY k.name, k.module, h.bucket;
