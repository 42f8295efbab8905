-- sql/stats_stages.sql: the stages of a run, one row per stage name over all its spans
-- (pscope-stats --stages). Parameters: :run_id.
--
-- pass_ratio = records_out / records_in; throughput = records_in per second of stage
-- time; cpu_util = CPU time / stage time (above 1 only if the stage's thread was helped,
-- which thread CPU time cannot be); rss_growth = sum over spans of rss_end - rss_begin.
-- Latency percentiles are per record (pscope_stage_record marks) from stage_hist merged
-- over the spans, through hist_percentile() (≤ 1%: bucket midpoints). open_spans counts
-- spans never ended (crash): their duration is unknown and left out of the sums.
-- Cost: the run's stage and stage_hist rows.
WITH s AS (
  SELECT * FROM stage WHERE run_id = :run_id
),
lat AS (
  SELECT st.name,
         SUM(h.count)                         AS latency_samples,
         hist_percentile(h.bucket, h.count, 50) AS p50,
         hist_percentile(h.bucket, h.count, 95) AS p95,
         hist_percentile(h.bucket, h.count, 99) AS p99
  FROM stage_hist h
  JOIN s st ON st.id = h.stage_id
  GROUP BY st.name
)
SELECT s.name                                          AS name,
       COUNT(*)                                        AS spans,
       SUM(s.dur IS NULL)                              AS open_spans,
       MIN(s.ts)                                       AS first_ts,
       SUM(s.dur)                                      AS total_dur,
       SUM(s.records_in)                               AS records_in,
       SUM(s.records_out)                              AS records_out,
       CAST(SUM(s.records_out) AS REAL) / NULLIF(SUM(s.records_in), 0) AS pass_ratio,
       SUM(s.records_in) * 1e9 / NULLIF(SUM(s.dur), 0) AS throughput,
       SUM(s.record_marks)                             AS record_marks,
       SUM(s.cpu_ns)                                   AS cpu_ns,
       CAST(SUM(s.cpu_ns) AS REAL) / NULLIF(SUM(s.dur), 0) AS cpu_util,
       SUM(s.rss_end - s.rss_begin)                    AS rss_growth,
       SUM(s.minflt)                                   AS minflt,
       SUM(s.majflt)                                   AS majflt,
       l.latency_samples                               AS latency_samples,
       l.p50                                           AS p50,
       l.p95                                           AS p95,
       l.p99                                           AS p99
FROM s
LEFT JOIN lat l ON l.name = s.name
GROUP BY s.name
ORDER BY first_ts, s.name;
