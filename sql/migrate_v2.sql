-- sql/migrate_v2.sql: upgrade a version-1 pscope database to version 2 in place.
-- Run by the collector (inside its schema transaction, before sql/schema.sql) when it
-- opens a version-1 database for writing. Only ALTER TABLE statements and the DROP of
-- views whose definition changed belong here: new tables and views come from schema.sql's
-- CREATE ... IF NOT EXISTS, which then recreates the dropped views. Version 2 adds the
-- tables function_self_hist, function_caller and call_block (from schema.sql), the columns below
-- (run.source: every version-1 run was recorded by the collector; the honest-time columns
-- hook_ns .. runq_ns stay NULL: not measured), and changes the hotspot view (max_speedup
-- is NULL when unbounded instead of ~1e9).
DROP VIEW IF EXISTS hotspot;
ALTER TABLE run ADD COLUMN frames_unwound INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run ADD COLUMN source TEXT NOT NULL DEFAULT 'pscope';
ALTER TABLE run ADD COLUMN trace TEXT NOT NULL DEFAULT 'off';
ALTER TABLE run ADD COLUMN trace_max_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run ADD COLUMN trace_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run ADD COLUMN trace_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run ADD COLUMN trace_truncated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run ADD COLUMN call_rule TEXT NOT NULL DEFAULT 'first';
ALTER TABLE run ADD COLUMN hook_ns REAL;
ALTER TABLE run ADD COLUMN hook_inner_ns REAL;
ALTER TABLE run ADD COLUMN collector_wait_ns INTEGER;
ALTER TABLE thread ADD COLUMN collector_wait_ns INTEGER;
ALTER TABLE resource_sample ADD COLUMN runq_ns INTEGER;
