-- sql/trace_state.sql: a run's full-trace state (tools/lib/trace_calls.c). Only prepared
-- when the database has the trace columns (schema version 2 with call_block).
SELECT trace, trace_max_bytes, trace_bytes, trace_calls, trace_truncated, call_rule,
       calls_seen, calls_stored
FROM run
WHERE id = :run;
