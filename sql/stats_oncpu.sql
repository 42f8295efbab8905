-- sql/stats_oncpu.sql: the sampler's CPU readings per call path of a run, for the on-CPU
-- estimate (tools/lib/rundata_honest.c; the callpath_oncpu view computes the same for
-- ad-hoc SQL, but the tools must also read databases created before that view existed).
-- Parameters: :run_id.
--
-- A thread row of resource_sample holds the CPU its thread used since that thread's
-- previous row and is tagged with the call path on top of the thread's stack; its window
-- is ts minus the previous row's ts of the same thread (first rows have none and are
-- skipped). Rows tagged with no call path count in no call path but still delimit windows.
-- runq_ns (time waiting for a CPU) is a version-2 column: on a version-1 database the
-- tools shadow resource_sample with a temporary view adding it as NULL
-- (sql/stats_compat_runq.sql). runq_rows counts the rows that have it.
-- Cost: the run's resource_sample rows, one window pass.
WITH w AS (
  SELECT r.callpath_id, r.function_id,
         COALESCE(r.cpu_user_ns, 0) + COALESCE(r.cpu_sys_ns, 0) AS cpu_ns, r.runq_ns,
         r.ts - LAG(r.ts) OVER (PARTITION BY r.thread_id ORDER BY r.ts, r.id) AS window_ns
  FROM resource_sample r
  WHERE r.run_id = :run_id AND r.thread_id IS NOT NULL
)
SELECT callpath_id, function_id, COUNT(*) AS samples, SUM(cpu_ns) AS cpu_ns,
       SUM(window_ns) AS window_ns, COALESCE(SUM(runq_ns), 0) AS runq_ns,
       COUNT(runq_ns) AS runq_rows
FROM w
WHERE window_ns > 0 AND callpath_id IS NOT NULL AND function_id IS NOT NULL
GROUP BY callpath_id
ORDER BY callpath_id;
