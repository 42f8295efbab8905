-- sql/export_callpaths.sql: the calling-context tree of one run for pscope-export (folded
-- stacks, pprof samples; tools/lib/export_data.c reads the columns by position): id,
-- parent_id (NULL at a root), function_id, calls, self_dur, total_dur. Ascending id, so
-- a parent (created before its children) comes first.
SELECT id, parent_id, function_id, calls, self_dur, total_dur
FROM callpath
WHERE run_id = :run_id
ORDER BY id;
