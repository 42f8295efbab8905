-- sql/stats_exact.sql: the raw per-call durations of a run, for exact percentiles
-- (pscope-stats --exact). Parameters: :run_id.
--
-- Unordered on purpose: the tool files each duration under its function and takes the
-- type-7 percentiles (linear interpolation between order statistics, numpy's default)
-- with quickselect, the same code as the percentile() SQL function, in one pass over
-- `call` without the sort a GROUP BY would need (7 M rows: ~1 s instead of ~10 s).
-- The one-line SQL equivalent, with the pscope_sqlite extension loaded, is
--   SELECT function_id, percentile(dur, 50), percentile(dur, 95), percentile(dur, 99)
--   FROM call WHERE run_id = :run_id GROUP BY function_id;
-- The figures are exact only when the run stored every call (run.calls_stored =
-- run.calls_seen); the tool checks that first. This is the only statement of
-- pscope-stats that reads `call`.
SELECT function_id, dur
FROM call
WHERE run_id = :run_id;
