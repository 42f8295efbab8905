-- sql/stats_threads.sql: per-thread breakdown of a run: one row per (thread, function)
-- from thread_stat, and one row with NULL function for a thread without any completed
-- call (pscope-stats --threads). Parameters: :run_id.
--
-- busy_dur is the thread's instrumented time (sum of its functions' self times);
-- thread_share = self_dur / busy_dur, run_share = self_dur / run thread time.
-- Cost: the run's thread and thread_stat rows.
WITH busy AS (
  SELECT ts.thread_id, SUM(ts.self_dur) AS busy_dur
  FROM thread_stat ts
  JOIN thread t ON t.id = ts.thread_id
  WHERE t.run_id = :run_id
  GROUP BY ts.thread_id
),
run_total AS (
  SELECT COALESCE(SUM(self_dur), 0) AS thread_time
  FROM function_stat
  WHERE run_id = :run_id
)
SELECT t.id            AS thread_id,
       t.tid           AS tid,
       t.name          AS thread_name,
       t.is_main       AS is_main,
       t.ts            AS ts,
       t.end_ts        AS end_ts,
       t.calls         AS thread_calls,
       COALESCE(b.busy_dur, 0) AS busy_dur,
       f.id            AS function_id,
       f.name          AS name,
       f.file          AS file,
       f.line          AS line,
       s.calls         AS calls,
       s.total_dur     AS total_dur,
       s.self_dur      AS self_dur,
       CAST(s.self_dur AS REAL) / NULLIF(b.busy_dur, 0)      AS thread_share,
       CAST(s.self_dur AS REAL) / NULLIF(rt.thread_time, 0)  AS run_share
FROM thread t
CROSS JOIN run_total rt
LEFT JOIN busy b ON b.thread_id = t.id
LEFT JOIN thread_stat s ON s.thread_id = t.id
LEFT JOIN function f ON f.id = s.function_id
WHERE t.run_id = :run_id
ORDER BY t.id, s.self_dur DESC, f.name;
