-- sql/trace_has.sql: 1 when the database can hold a full trace (call_block and the run's
-- trace columns, schema version 2), else 0 (tools/lib/trace_calls.c).
SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'call_block') > 0
   AND (SELECT count(*) FROM pragma_table_info('run') WHERE name = 'trace_calls') > 0;
