-- sql/diff_thread_share.sql: the per-thread share basis of pscope-diff's noise floor.
-- Parameter :run_id. A thread's own time is the sum of the self time of every function on
-- it (thread_stat), so an idle thread parked in an instrumented wait counts only towards
-- its own time, never towards the busy thread's. For each function key: the largest, over
-- the threads that ran it, of its self (and inclusive) time on the thread divided by that
-- thread's own time. No rows when the run has no thread_stat rows.
WITH keyed AS (
  SELECT f.id,
         f.name,
         COALESCE(replace(f.module, rtrim(f.module, replace(f.module, '/', '')), ''), '') AS module
  FROM function f
  WHERE f.run_id = :run_id
),
own AS (
  SELECT ts.thread_id, SUM(ts.self_dur) AS t
  FROM thread_stat ts
  JOIN thread th ON th.id = ts.thread_id
  WHERE th.run_id = :run_id
  GROUP BY ts.thread_id
),
per_thread AS (
  SELECT k.name, k.module, ts.thread_id,
         SUM(ts.self_dur) AS self_dur, SUM(ts.total_dur) AS total_dur
  FROM keyed k
  JOIN thread_stat ts ON ts.function_id = k.id
  GROUP BY k.name, k.module, ts.thread_id
)
SELECT p.name,
       p.module,
       MAX(CAST(p.self_dur AS REAL) / o.t)  AS self_share,
       MAX(CAST(p.total_dur AS REAL) / o.t) AS total_share
FROM per_thread p
JOIN own o ON o.thread_id = p.thread_id
WHERE o.t > 0
GROUP BY p.name, p.module
ORDER BY p.name, p.module;
