-- sql/stats_callees.sql: what a function calls, per callee, derived from the call path
-- tree: every child node of a node of the function is a callee (pscope-stats --callees).
-- Parameters: :run_id, :name (exact symbol name).
--
-- Per edge function -> callee: calls, and the callee's inclusive and self time under
-- that caller, summed over the call paths where the edge occurs (a recursive self-edge
-- counts nested inclusive time once per level).
-- Cost: the run's callpath rows.
SELECT cf.id                 AS callee_id,
       cf.name               AS callee,
       cf.file               AS file,
       cf.line               AS line,
       SUM(c.calls)          AS calls,
       SUM(c.total_dur)      AS total_dur,
       SUM(c.self_dur)       AS self_dur,
       COUNT(*)              AS paths
FROM callpath p
JOIN function pf ON pf.id = p.function_id
JOIN callpath c ON c.parent_id = p.id
JOIN function cf ON cf.id = c.function_id
WHERE p.run_id = :run_id
  AND pf.name = :name
GROUP BY cf.id
ORDER BY total_dur DESC, callee;
