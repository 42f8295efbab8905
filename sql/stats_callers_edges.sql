-- sql/stats_callers_edges.sql: who calls a function in a run imported from cProfile, which
-- has caller edges (function_caller, schema version 2) instead of call paths
-- (pscope-stats --callers; same columns as stats_callers.sql, paths = 0: no call paths).
-- Parameters: :run_id, :name (exact symbol name). Per edge caller -> function: the
-- function's calls from that caller and its cumulative and own time under it (pstats'
-- callers entry).
SELECT pf.id                 AS caller_id,
       pf.name               AS caller,
       pf.file               AS file,
       pf.line               AS line,
       SUM(e.calls)          AS calls,
       SUM(e.total_dur)      AS total_dur,
       SUM(e.self_dur)       AS self_dur,
       0                     AS paths
FROM function_caller e
JOIN function cf ON cf.id = e.function_id
JOIN function pf ON pf.id = e.caller_id
WHERE cf.run_id = :run_id
  AND cf.name = :name
GROUP BY pf.id
ORDER BY total_dur DESC, caller;
