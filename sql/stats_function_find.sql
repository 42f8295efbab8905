-- sql/stats_function_find.sql: the functions of a run with a given name, with their
-- totals (pscope-stats --callers/--callees: the target's header line, and "not found").
-- Parameters: :run_id, :name (exact symbol name).
SELECT f.id, f.name, f.file, f.line,
       COALESCE(s.calls, 0), COALESCE(s.total_dur, 0), COALESCE(s.self_dur, 0)
FROM function f
LEFT JOIN function_stat s ON s.function_id = f.id
WHERE f.run_id = :run_id
  AND f.name = :name
ORDER BY f.id;
