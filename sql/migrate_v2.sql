-- sql/migrate_v2.sql: upgrade a version-1 pscope database to version 2 in place.
-- Run by the collector (inside its schema transaction, before sql/schema.sql) when it
-- opens a version-1 database for writing. Only ALTER TABLE statements belong here: new
-- tables and views come from schema.sql's CREATE ... IF NOT EXISTS. Version 2 adds
-- function_self_hist and call_block (tables, from schema.sql) and the run's trace columns.
SELECT 1;
ALTER TABLE run ADD COLUMN trace TEXT NOT NULL DEFAULT 'off';
ALTER TABLE run ADD COLUMN trace_max_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run ADD COLUMN trace_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run ADD COLUMN trace_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run ADD COLUMN trace_truncated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run ADD COLUMN call_rule TEXT NOT NULL DEFAULT 'first';
