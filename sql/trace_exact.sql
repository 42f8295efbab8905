-- sql/trace_exact.sql: every call's function and durations from the full trace, for the
-- tools' exact per-call figures when the plain `call` rows are bounded: the drop-in for
-- sql/stats_exact.sql (pscope-stats --exact reads columns 0-1) and sql/diff_call.sql
-- (pscope-diff's per-call test reads columns 0-2) when pt_trace_state_get() says the run's
-- trace is complete (run.trace = 'full' and trace_calls = calls_seen). Parameter :run_id.
-- pscope_calls is registered on every connection the tools open (pt_sql_register).
SELECT function_id, dur, self_dur
FROM pscope_calls(:run_id);
