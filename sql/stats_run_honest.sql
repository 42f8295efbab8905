-- sql/stats_run_honest.sql: a run's hook calibration and collector wait (schema version
-- 2 columns; read only when sql/stats_run_columns.sql shows them), plus the total of its
-- threads' collector waits. Parameters: :run_id.
SELECT hook_ns, hook_inner_ns, collector_wait_ns,
       (SELECT SUM(collector_wait_ns) FROM thread WHERE run_id = :run_id) AS thread_wait_ns
FROM run
WHERE id = :run_id;
