-- sql/trace_blocks.sql: the full-trace blocks of a run (tools/lib/trace_calls.c), in
-- order, restricted to a thread and an entry-time range when given (NULL = any): only
-- blocks whose [ts_min, ts_max] overlaps [:ts_lo, :ts_hi] are read.
SELECT id, thread_id, data
FROM call_block
WHERE run_id = :run
  AND (:thread IS NULL OR thread_id = :thread)
  AND (:ts_lo IS NULL OR ts_max >= :ts_lo)
  AND (:ts_hi IS NULL OR ts_min <= :ts_hi)
ORDER BY id;
