-- sql/stats_run_columns.sql: the version-2 columns the honest-times loader
-- (tools/lib/rundata_honest.c) needs, as (table, column) rows, so that a version-1
-- database lacking them still opens: run.hook_ns (with hook_inner_ns, collector_wait_ns
-- and thread.collector_wait_ns, added together) and resource_sample.runq_ns.
-- No parameters.
SELECT 'run' AS tbl, name FROM pragma_table_info('run') WHERE name = 'hook_ns'
UNION ALL
SELECT 'resource_sample', name FROM pragma_table_info('resource_sample') WHERE name = 'runq_ns';
