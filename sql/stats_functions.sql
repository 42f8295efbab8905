-- sql/stats_functions.sql: one row per function of a run with its exact statistics,
-- histogram percentiles and shares of run time (pscope-stats default table and
-- --hotspots input). Parameters: :run_id.
--
-- Shares are of the run's thread time: the sum of every function's self time (the
-- run_time view), so self shares add up to 1. Percentiles p50/p95/p99 come from
-- function_hist through hist_percentile(bucket, count, p, min_dur, max_dur) (registered by
-- the tools, and by `.load pscope_sqlite` in sqlite3): the same type-7 definition as
-- --exact, with each order statistic read as its bucket's midpoint and the extremes exact,
-- clamped to [min_dur, max_dur]; within 0.4% of the exact value (common/hist.h). A
-- function called once reports its exact duration.
-- Cost: reads function, function_stat and function_hist of the run only, never `call`.
WITH run_total AS (
  SELECT COALESCE(SUM(self_dur), 0) AS thread_time
  FROM function_stat
  WHERE run_id = :run_id
),
pct AS (
  SELECT h.function_id,
         hist_percentile(h.bucket, h.count, 50, s.min_dur, s.max_dur) AS p50,
         hist_percentile(h.bucket, h.count, 95, s.min_dur, s.max_dur) AS p95,
         hist_percentile(h.bucket, h.count, 99, s.min_dur, s.max_dur) AS p99
  FROM function_hist h
  JOIN function_stat s ON s.function_id = h.function_id
  WHERE s.run_id = :run_id
  GROUP BY h.function_id
)
SELECT f.id                                              AS function_id,
       f.name                                            AS name,
       f.module                                          AS module,
       f.file                                            AS file,
       f.line                                            AS line,
       s.calls                                           AS calls,
       s.primitive_calls                                 AS primitive_calls,
       s.total_dur                                       AS total_dur,
       s.self_dur                                        AS self_dur,
       CAST(s.self_dur AS REAL) / NULLIF(s.calls, 0)     AS self_per_call,
       CAST(s.total_dur AS REAL) / NULLIF(s.primitive_calls, 0) AS total_per_call,
       CAST(s.sum_dur AS REAL) / NULLIF(s.calls, 0)      AS mean_dur,
       s.min_dur                                         AS min_dur,
       s.max_dur                                         AS max_dur,
       p.p50                                             AS p50,
       p.p95                                             AS p95,
       p.p99                                             AS p99,
       CAST(s.self_dur AS REAL) / NULLIF(rt.thread_time, 0)  AS self_share,
       CAST(s.total_dur AS REAL) / NULLIF(rt.thread_time, 0) AS total_share,
       rt.thread_time                                    AS thread_time
FROM function f
JOIN function_stat s ON s.function_id = f.id
CROSS JOIN run_total rt
LEFT JOIN pct p ON p.function_id = f.id
WHERE f.run_id = :run_id;
