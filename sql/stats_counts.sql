-- sql/stats_counts.sql: how many rows of each optional kind a run has, so pscope-stats
-- can say plainly when a run has no stages, resource samples or threads rather than
-- print an empty table. Parameters: :run_id. Cost: counts over the run's rows.
SELECT (SELECT COUNT(*) FROM stage WHERE run_id = :run_id)            AS stages,
       (SELECT COUNT(*) FROM resource_sample WHERE run_id = :run_id)  AS resource_samples,
       (SELECT COUNT(*) FROM thread WHERE run_id = :run_id)           AS threads,
       (SELECT COUNT(*) FROM function_stat WHERE run_id = :run_id)    AS functions,
       (SELECT COUNT(*) FROM callpath WHERE run_id = :run_id)         AS callpaths;
