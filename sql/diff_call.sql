-- sql/diff_call.sql: raw per-call durations of one run for pscope-diff's per-call test.
-- Parameter :run_id. Read only when the run stored every call (calls_stored = calls_seen)
-- and their number is within pscope-diff's --raw-limit; otherwise the test uses the exact
-- histograms (sql/diff_hist.sql). dur is inclusive, self_dur exclusive, both ns.
SELECT c.function_id,
       c.dur,
       c.self_dur
FROM call c
WHERE c.run_id = :run_id;
