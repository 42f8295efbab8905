-- sql/html_samples.sql: the process-wide resource samples of a run in time order, for the
-- resource timeline of pscope-html (tools/lib/rundata_timeline.c). One row per sampler
-- tick (the first GPU's row when several GPUs are sampled): time since run start, CPU
-- consumed since the previous tick (user + system, ns), RSS (bytes), GPU utilisation (%)
-- and memory (bytes), NULL when absent.
SELECT ts                                              AS ts,
       COALESCE(cpu_user_ns, 0) + COALESCE(cpu_sys_ns, 0) AS cpu_ns,
       rss                                             AS rss,
       gpu_util                                        AS gpu_util,
       gpu_mem                                         AS gpu_mem
FROM resource_sample
WHERE run_id = :run_id
  AND thread_id IS NULL
  AND COALESCE(gpu_index, 0) = (SELECT COALESCE(MIN(gpu_index), 0) FROM resource_sample
                                WHERE run_id = :run_id AND thread_id IS NULL)
ORDER BY ts, id;
