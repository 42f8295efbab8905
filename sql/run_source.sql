-- sql/run_source.sql: where each run came from (run.source, schema version 2: 'pscope' for
-- the collector, else the format pscope-import read). tools/lib/ptool_db.c runs it only
-- when the column exists (version-1 databases lack it: every run there is 'pscope').
SELECT id, source
FROM run
ORDER BY id;
