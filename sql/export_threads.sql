-- sql/export_threads.sql: the threads of one run for pscope-export's Chrome trace (thread
-- name metadata; tools/lib/export_chrome.c reads the columns by position): id, tid, name.
SELECT id, tid, name
FROM thread
WHERE run_id = :run_id
ORDER BY id;
