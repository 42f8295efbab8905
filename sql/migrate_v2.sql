-- sql/migrate_v2.sql: upgrade a version-1 pscope database to version 2 in place.
-- Run by the collector (inside its schema transaction, before sql/schema.sql) when it
-- opens a version-1 database for writing. Only ALTER TABLE statements belong here: new
-- tables and views come from schema.sql's CREATE ... IF NOT EXISTS. Version 2 adds
-- function_self_hist (a table) and the columns below (docs/schema.md, "Versions").
ALTER TABLE run ADD COLUMN hook_ns REAL;
ALTER TABLE run ADD COLUMN hook_inner_ns REAL;
ALTER TABLE run ADD COLUMN collector_wait_ns INTEGER;
ALTER TABLE thread ADD COLUMN collector_wait_ns INTEGER;
ALTER TABLE resource_sample ADD COLUMN runq_ns INTEGER;
