-- sql/diff_function_id.sql: function ids of one run with their diff key, for pscope-diff
-- to attribute raw call rows (sql/diff_call.sql) to keys without a join per row.
-- Parameter :run_id. Ordered by id.
SELECT f.id,
       f.name,
       COALESCE(replace(f.module, rtrim(f.module, replace(f.module, '/', '')), ''), '') AS module
FROM function f
WHERE f.run_id = :run_id
ORDER BY f.id;
