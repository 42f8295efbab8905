-- sql/stats_hotspots.sql: Amdahl ranking of a run's functions by self time
-- (pscope-stats --hotspots). Parameters: :run_id, :factor (k > 0).
--
-- p = the function's self time / the run's thread time (sum of all self times).
-- Removing the function entirely caps the overall speedup at 1/(1 - p) (NULL when
-- p = 1: unbounded); making it k times faster gives 1/((1 - p) + p/k); the time saved
-- is self_dur * (1 - 1/k). Ranked by time saved, i.e. by self time.
-- Cost: function and function_stat of the run only.
WITH run_total AS (
  SELECT COALESCE(SUM(self_dur), 0) AS thread_time
  FROM function_stat
  WHERE run_id = :run_id
),
shares AS (
  SELECT f.id AS function_id, f.name, f.file, f.line,
         s.calls, s.primitive_calls, s.self_dur, s.total_dur,
         CAST(s.self_dur AS REAL) / NULLIF(rt.thread_time, 0) AS share,
         rt.thread_time
  FROM function f
  JOIN function_stat s ON s.function_id = f.id
  CROSS JOIN run_total rt
  WHERE f.run_id = :run_id
)
SELECT function_id, name, file, line, calls, primitive_calls, self_dur, total_dur,
       share,
       amdahl(share)                          AS max_speedup,
       amdahl(share, :factor)                 AS speedup_k,
       self_dur * (1.0 - 1.0 / :factor)       AS saved_dur,
       thread_time
FROM shares
ORDER BY saved_dur DESC, name, function_id;
