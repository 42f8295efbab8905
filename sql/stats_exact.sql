-- sql/stats_exact.sql: exact per-call duration percentiles of every function of a run,
-- from the raw `call` rows (pscope-stats --exact). Parameters: :run_id.
--
-- percentile() is type 7 (linear interpolation between order statistics, numpy's
-- default), registered by the tools and by the pscope_sqlite extension. The figures are
-- exact only when the run stored every call (run.calls_stored = run.calls_seen); the tool
-- checks that before running this. Cost: a full scan of `call` (the only statement of
-- pscope-stats that reads it).
SELECT function_id,
       COUNT(*)              AS stored_calls,
       percentile(dur, 50)   AS p50,
       percentile(dur, 95)   AS p95,
       percentile(dur, 99)   AS p99
FROM call
WHERE run_id = :run_id
GROUP BY function_id;
