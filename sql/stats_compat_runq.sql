-- sql/stats_compat_runq.sql: lets the on-CPU query (sql/stats_oncpu.sql) read a database
-- whose resource_sample predates the runq_ns column (schema version 1): a temporary view
-- of the same name shadows the table for unqualified names on this read-only connection
-- only (the file is not modified), adding runq_ns as NULL. Run by
-- tools/lib/rundata_honest.c when sql/stats_run_columns.sql shows no runq_ns. No parameters.
CREATE TEMP VIEW IF NOT EXISTS resource_sample AS
  SELECT *, NULL AS runq_ns FROM main.resource_sample;
