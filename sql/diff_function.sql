-- sql/diff_function.sql: per-function figures of one run for pscope-diff.
-- Parameter :run_id. Functions are keyed by name + module basename (never by address), so
-- the same function matches across runs and machines; rows of one run with the same key
-- (e.g. two static functions of one name in one module) are summed into one.
-- The module basename strips everything up to the last '/': rtrim() with the set of the
-- path's non-'/' characters leaves the directory part, which replace() then removes.
-- Ordered by the key with BINARY collation (byte order), which pscope-diff relies on to
-- merge the runs.
WITH keyed AS (
  SELECT f.id,
         f.name,
         COALESCE(replace(f.module, rtrim(f.module, replace(f.module, '/', '')), ''), '') AS module
  FROM function f
  WHERE f.run_id = :run_id
)
SELECT k.name,
       k.module,
       SUM(s.calls)     AS calls,
       SUM(s.total_dur) AS total_dur,
       SUM(s.self_dur)  AS self_dur,
       SUM(s.sum_dur)   AS sum_dur
FROM keyed k
JOIN function_stat s ON s.function_id = k.id
GROUP BY k.name, k.module
ORDER BY k.name, k.module;
