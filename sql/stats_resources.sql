-- sql/stats_resources.sql: CPU and memory of a run attributed to functions and stages
-- from the sampler's rows (pscope-stats --resources). Parameters: :run_id.
--
-- Three kinds of rows:
--   'process'  one row over the process-wide samples (thread_id NULL): totals and peaks;
--   'function' per function on top of a sampled thread's stack (thread rows);
--   'stage'    per innermost open stage of a sampled thread (thread rows).
-- cpu_ns = user + system CPU consumed in the sampling intervals attributed to the row;
-- cpu_share = that / all attributed CPU of the same kind; rss_max = largest process RSS
-- seen in those samples; rss_growth = sum of rss_delta; GPU columns NULL without a GPU.
-- Cost: the run's resource_sample rows.
WITH r AS (
  SELECT * FROM resource_sample WHERE run_id = :run_id
),
per_kind AS (
  SELECT 'process' AS kind, NULL AS name, NULL AS file, NULL AS line, r.*
  FROM r WHERE thread_id IS NULL
  UNION ALL
  SELECT 'function', f.name, f.file, f.line, r.*
  FROM r JOIN function f ON f.id = r.function_id WHERE r.thread_id IS NOT NULL
  UNION ALL
  SELECT 'stage', st.name, NULL, NULL, r.*
  FROM r JOIN stage st ON st.id = r.stage_id WHERE r.thread_id IS NOT NULL
),
grouped AS (
  SELECT kind, name, file, line,
         COUNT(*)                                        AS samples,
         SUM(cpu_user_ns)                                AS cpu_user_ns,
         SUM(cpu_sys_ns)                                 AS cpu_sys_ns,
         COALESCE(SUM(cpu_user_ns), 0) + COALESCE(SUM(cpu_sys_ns), 0) AS cpu_ns,
         MAX(rss)                                        AS rss_max,
         SUM(rss_delta)                                  AS rss_growth,
         SUM(minflt)                                     AS minflt,
         SUM(majflt)                                     AS majflt,
         AVG(gpu_util)                                   AS gpu_util,
         MAX(gpu_mem)                                    AS gpu_mem_max
  FROM per_kind
  GROUP BY kind, name, file, line
)
SELECT kind, name, file, line, samples, cpu_user_ns, cpu_sys_ns, cpu_ns,
       CAST(cpu_ns AS REAL) / NULLIF(SUM(cpu_ns) OVER (PARTITION BY kind), 0) AS cpu_share,
       rss_max, rss_growth, minflt, majflt, gpu_util, gpu_mem_max
FROM grouped
ORDER BY CASE kind WHEN 'process' THEN 0 WHEN 'function' THEN 1 ELSE 2 END,
         cpu_ns DESC, name;
