-- sql/html_hist.sql: the per-call duration histogram of every function of a run, for the
-- duration-distribution chart of pscope-html (tools/lib/rundata_timeline.c).
-- One row per non-empty bucket: function, bucket bounds [lo, hi) in ns, calls in it.
SELECT h.function_id AS function_id,
       h.lo          AS lo,
       h.hi          AS hi,
       h.count       AS count
FROM function_hist h
JOIN function f ON f.id = h.function_id
WHERE f.run_id = :run_id
ORDER BY h.function_id, h.bucket;
