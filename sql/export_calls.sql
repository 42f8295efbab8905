-- sql/export_calls.sql: the stored raw calls of one run for pscope-export's Chrome trace
-- (tools/lib/export_chrome.c reads the columns by position): thread_id, function_id, ts,
-- dur. Per thread by start time, callers before callees at the same instant (depth), so
-- viewers and pscope-import nest them as they were.
SELECT thread_id, function_id, ts, dur
FROM call
WHERE run_id = :run_id
ORDER BY thread_id, ts, depth;
