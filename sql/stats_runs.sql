-- sql/stats_runs.sql: every run of the database, oldest first (tools/lib: run listing
-- and --run resolution; pscope-stats --list-runs). Column order is read by position in
-- tools/lib/ptool_db.c (run_from_row): keep the two in step.
SELECT id,
       COALESCE(parent_run_id, 0) AS parent_run_id,
       label,
       command,
       executable,
       host,
       clock,
       pscope_version,
       pid,
       started_wall,
       COALESCE(ended_wall, 0) AS ended_wall,
       dur,
       scale,
       calls_seen,
       calls_stored,
       rows_dropped,
       events_lost,
       depth_overflow,
       unmatched_exits,
       max_depth_seen,
       complete
FROM run
ORDER BY id;
