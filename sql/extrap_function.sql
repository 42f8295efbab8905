-- sql/extrap_function.sql: per-function figures of one run for pscope-extrapolate.
-- Parameter :run_id. Functions are keyed by name + module basename (never by address), as
-- in pscope-diff, so a function matches across runs at different scales; rows of one run
-- with the same key are summed into one. file/line locate the function for --filter.
-- The module basename strips everything up to the last '/' (see diff_function.sql).
SELECT f.name,
       COALESCE(replace(f.module, rtrim(f.module, replace(f.module, '/', '')), ''), '') AS module,
       MIN(f.file)      AS file,
       MIN(f.line)      AS line,
       SUM(s.calls)     AS calls,
       SUM(s.self_dur)  AS self_dur,
       SUM(s.total_dur) AS total_dur
FROM function f
JOIN function_stat s ON s.function_id = f.id
WHERE f.run_id = :run_id
GROUP BY 1, 2;
