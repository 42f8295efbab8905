-- sql/stats_callers.sql: who calls a function, per caller, derived from the call path
-- tree: for every node of the function, its parent node's function is a caller
-- (pscope-stats --callers). Parameters: :run_id, :name (exact symbol name).
--
-- Per edge caller -> function: calls, and the function's inclusive and self time spent
-- under that caller, summed over the call paths where the edge occurs. For a recursive
-- function the self-edge's inclusive time counts nested time once per level
-- (self time is never double counted). A node without parent (outermost frame of
-- a thread) has caller NULL (shown as "<thread start>").
-- Cost: the run's callpath rows.
SELECT pf.id                 AS caller_id,
       pf.name               AS caller,
       pf.file               AS file,
       pf.line               AS line,
       SUM(c.calls)          AS calls,
       SUM(c.total_dur)      AS total_dur,
       SUM(c.self_dur)       AS self_dur,
       COUNT(*)              AS paths
FROM callpath c
JOIN function cf ON cf.id = c.function_id
LEFT JOIN callpath p ON p.id = c.parent_id
LEFT JOIN function pf ON pf.id = p.function_id
WHERE c.run_id = :run_id
  AND cf.name = :name
GROUP BY pf.id
ORDER BY total_dur DESC, caller;
