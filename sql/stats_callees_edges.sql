-- sql/stats_callees_edges.sql: what a function calls in a run imported from cProfile, from
-- its caller edges (function_caller, schema version 2; pscope-stats --callees; same
-- columns as stats_callees.sql, paths = 0: no call paths). Parameters: :run_id, :name.
-- Per edge function -> callee: the callee's calls from the function and its cumulative
-- and own time under it.
SELECT cf.id                 AS callee_id,
       cf.name               AS callee,
       cf.file               AS file,
       cf.line               AS line,
       SUM(e.calls)          AS calls,
       SUM(e.total_dur)      AS total_dur,
       SUM(e.self_dur)       AS self_dur,
       0                     AS paths
FROM function_caller e
JOIN function pf ON pf.id = e.caller_id
JOIN function cf ON cf.id = e.function_id
WHERE pf.run_id = :run_id
  AND pf.name = :name
GROUP BY cf.id
ORDER BY total_dur DESC, callee;
