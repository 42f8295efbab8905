-- sql/export_functions.sql: the functions of one run for pscope-export (tools/lib/export_data.c
-- reads the columns by position): id, name, file, line, module. Ascending id.
SELECT id, name, file, line, module
FROM function
WHERE run_id = :run_id
ORDER BY id;
