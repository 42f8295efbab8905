-- sql/stats_comp_callpaths.sql: the whole calling-context tree of a run, shallowest first,
-- for the hook-cost compensation (tools/lib/rundata_honest.c), which needs every node's
-- calls and its parent to count the calls made below it. Parameters: :run_id.
-- Cost: the run's callpath rows.
SELECT id, COALESCE(parent_id, -1) AS parent_id, function_id, depth, calls
FROM callpath
WHERE run_id = :run_id
ORDER BY depth, id;
