-- sql/migrate_v2.sql: upgrade a version-1 pscope database to version 2 in place.
-- Run by the collector (inside its schema transaction, before sql/schema.sql) when it
-- opens a version-1 database for writing. Only ALTER TABLE statements belong here: new
-- tables and views come from schema.sql's CREATE ... IF NOT EXISTS. Version 2 adds
-- the tables function_self_hist and function_caller (from schema.sql) and the column
-- run.source (here: every version-1 run was recorded by the collector).
ALTER TABLE run ADD COLUMN source TEXT NOT NULL DEFAULT 'pscope';
