-- sql/diff_run.sql: the time base of one run for pscope-diff (parameter :run_id).
-- One row, or none if the run does not exist. thread_time is the sum of all functions'
-- self time (the run_time view), the base of every share; wall_time is the run's duration.
-- The rest of the run's header comes from the shared run resolution (ptool).
SELECT t.thread_time,
       t.wall_time
FROM run_time t
WHERE t.run_id = :run_id;
