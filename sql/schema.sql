-- sql/schema.sql: the pscope run database, schema version 2.
--
-- This file is a public interface: users query it with sqlite3, the tools read it, and
-- libcollect applies it (embedded at build time by scripts/embed_sql.sh, never pasted).
-- Conventions (after Perfetto's trace processor): singular lowercase table names,
-- `id INTEGER PRIMARY KEY`, foreign keys named <table>_id, times as INTEGER nanoseconds,
-- `ts` = start since the run's start, `dur` = duration.
--
-- Invariants the collector guarantees and the tools rely on:
--  * one `run` row per profiled process; rows of every other table belong to one run;
--  * aggregates (function_stat, function_hist, callpath, thread_stat) are EXACT over every
--    call seen, whatever the raw-row budget; `call` holds raw rows up to the budget only
--    (run.calls_stored of run.calls_seen), so exact per-call figures need calls_stored =
--    calls_seen;
--  * ids of function, callpath, thread, stage are unique across runs of one database;
--    call.id = run_id * 2^40 + the call's entry sequence number within its run, so a
--    parent_id can be computed before the parent is stored (it may be absent when the
--    parent was not stored);
--  * a run with complete = 0 was still running at its last commit or died (crash, _exit,
--    exec); its aggregates are as of that commit (at most ~200 ms old).
--
-- The schema version is PRAGMA user_version; tools refuse a database whose version is
-- newer than they know (exit 3). Older versions stay readable: what a version added is
-- listed in docs/schema.md ("Versions"); the collector upgrades an older database it writes
-- to by running sql/migrate_v<N>.sql for each newer N, then this file (CREATE ... IF NOT
-- EXISTS adds new tables and views).

PRAGMA user_version = 2;

CREATE TABLE IF NOT EXISTS run (
  id              INTEGER PRIMARY KEY,          -- run id, increasing within the database
  parent_run_id   INTEGER REFERENCES run(id),   -- run of the parent process for a forked child; NULL otherwise
  label           TEXT,                         -- user label (pscope-run --label, PSCOPE_LABEL, pscope_set_label); NULL if none
  command         TEXT,                         -- command line, arguments joined by single spaces
  argv_json       TEXT,                         -- command line as a JSON array of strings
  executable      TEXT,                         -- absolute path of the program (/proc/self/exe)
  cwd             TEXT,                         -- working directory at run start
  pid             INTEGER NOT NULL,             -- process id
  ppid            INTEGER,                      -- parent process id
  host            TEXT,                         -- host name (uname nodename)
  started_wall    INTEGER NOT NULL,             -- wall-clock start, ns since the Unix epoch
  ended_wall      INTEGER,                      -- wall-clock end, ns since the Unix epoch; NULL unless complete
  dur             INTEGER NOT NULL DEFAULT 0,   -- run duration in ns (end ts; for an incomplete run, as of the last commit)
  scale           REAL,                         -- the run's problem size n (for extrapolation); NULL if unknown
  clock           TEXT NOT NULL,                -- timestamp source: 'tsc' (calibrated) or 'monotonic' (CLOCK_MONOTONIC)
  tsc_hz          REAL,                         -- calibrated TSC ticks per second; NULL with the monotonic clock
  pscope_version  TEXT NOT NULL,                -- version of libpscope that wrote the run
  config_json     TEXT,                         -- effective collector configuration as a JSON object
  calls_seen      INTEGER NOT NULL DEFAULT 0,   -- completed calls of instrumented, non-excluded functions
  calls_stored    INTEGER NOT NULL DEFAULT 0,   -- of those, how many have a row in `call`
  rows_dropped    INTEGER NOT NULL DEFAULT 0,   -- raw rows within the budget dropped because the writer fell behind
  events_lost     INTEGER NOT NULL DEFAULT 0,   -- hook events not recorded (re-entrancy from signal handlers, buffer allocation failure)
  depth_overflow  INTEGER NOT NULL DEFAULT 0,   -- calls deeper than max_depth: not recorded, their time is their ancestor's self time
  unmatched_exits INTEGER NOT NULL DEFAULT 0,   -- exit events with no matching open frame (longjmp, fork child, stop/start)
  frames_unwound  INTEGER NOT NULL DEFAULT 0,   -- open frames abandoned by a non-local exit (longjmp, siglongjmp, exit of an outer frame), closed when detected
  max_depth_seen  INTEGER NOT NULL DEFAULT 0,   -- deepest call stack observed
  complete        INTEGER NOT NULL DEFAULT 0,   -- 1 when the run ended normally (exit or pscope_stop); 0 otherwise
  source          TEXT NOT NULL DEFAULT 'pscope', -- who recorded it: 'pscope' (the collector) or the format pscope-import read: 'uftrace', 'chrome', 'cprofile' (v2)
  trace           TEXT NOT NULL DEFAULT 'off',  -- full trace mode (config trace): 'full' = every call in call_block, 'off' = none
  trace_max_bytes INTEGER NOT NULL DEFAULT 0,   -- cap on call_block bytes of the run (config trace_max_bytes); 0 = no cap
  trace_bytes     INTEGER NOT NULL DEFAULT 0,   -- bytes of call_block.data stored for the run
  trace_calls     INTEGER NOT NULL DEFAULT 0,   -- calls stored in call_block (= calls_seen when the trace is complete)
  trace_truncated INTEGER NOT NULL DEFAULT 0,   -- 1 when the cap was hit: later calls are in the aggregates only
  call_rule       TEXT NOT NULL DEFAULT 'first', -- which calls have a `call` row: 'first' = the first max_calls in completion order
  hook_ns         REAL,                         -- calibrated cost of the hooks per instrumented call, ns: what one call adds to its caller's inclusive time (and to every ancestor's); NULL when not calibrated (version 2)
  hook_inner_ns   REAL,                         -- the part of hook_ns inside the callee's own measured duration (entry timestamp to exit timestamp), ns; the rest lands in the caller's self time; NULL: unknown, taken as 0 (version 2)
  collector_wait_ns INTEGER                     -- total time program threads waited for the collector (ring space, start-up, exit flush, fork handlers), ns, already removed from the figures; NULL when not measured (version 2)
);

CREATE TABLE IF NOT EXISTS thread (
  id        INTEGER PRIMARY KEY,                -- thread id within the database
  run_id    INTEGER NOT NULL REFERENCES run(id),-- owning run
  tid       INTEGER NOT NULL,                   -- OS thread id (gettid)
  name      TEXT,                               -- thread name (pthread_getname_np) at its last sight
  is_main   INTEGER NOT NULL DEFAULT 0,         -- 1 for the thread that started the run
  ts        INTEGER NOT NULL,                   -- first event of the thread, ns since run start
  end_ts    INTEGER,                            -- last event of the thread, ns since run start
  calls     INTEGER NOT NULL DEFAULT 0,         -- completed calls on this thread
  collector_wait_ns INTEGER                     -- time this thread waited for the collector, ns (see run.collector_wait_ns); NULL when not measured (version 2)
);

CREATE TABLE IF NOT EXISTS function (
  id        INTEGER PRIMARY KEY,                -- function id within the database
  run_id    INTEGER NOT NULL REFERENCES run(id),-- owning run
  name      TEXT NOT NULL,                      -- symbol name, C++ demangled; '0x...' (module offset) when unresolved
  module    TEXT,                               -- path of the ELF object containing the function
  file      TEXT,                               -- source file from DWARF line info; NULL without debug info
  line      INTEGER,                            -- source line of the function's entry; NULL without debug info
  address   INTEGER NOT NULL,                   -- run-time address of the function (differs between runs; match by name)
  offset    INTEGER NOT NULL                    -- address relative to the module's load base
);

CREATE TABLE IF NOT EXISTS function_stat (
  function_id     INTEGER PRIMARY KEY REFERENCES function(id), -- the function (one row each)
  run_id          INTEGER NOT NULL REFERENCES run(id),         -- owning run (denormalised for one-line queries)
  calls           INTEGER NOT NULL,   -- completed calls, recursive ones included
  primitive_calls INTEGER NOT NULL,   -- calls not made while the function was already on the same thread's stack
  total_dur       INTEGER NOT NULL,   -- inclusive time, ns; recursion counted once (outermost frames only)
  self_dur        INTEGER NOT NULL,   -- exclusive time, ns: the calls' durations minus their instrumented callees'
  sum_dur         INTEGER NOT NULL,   -- sum of every call's own duration, recursive ones included (for the per-call mean)
  sum_sq_dur      REAL    NOT NULL,   -- sum of squared per-call durations, ns^2 (for the variance)
  min_dur         INTEGER NOT NULL,   -- shortest call, ns
  max_dur         INTEGER NOT NULL    -- longest call, ns
);

-- Per-call duration histogram of a function: log-linear buckets, sparse (only non-zero
-- buckets). Durations below 128 ns have one bucket per ns; above, each power of two is
-- split into 128 equal buckets, so a bucket's width is at most 1/128 (0.78%) of its lower
-- bound. A percentile read from it is within 0.4% of the true value when reported at the
-- bucket's midpoint. Bucket numbering is fixed by this schema version (see docs/schema.md).
CREATE TABLE IF NOT EXISTS function_hist (
  function_id INTEGER NOT NULL REFERENCES function(id), -- the function
  bucket      INTEGER NOT NULL,   -- bucket index (0..7423)
  lo          INTEGER NOT NULL,   -- smallest duration in the bucket, ns (inclusive)
  hi          INTEGER NOT NULL,   -- end of the bucket, ns (exclusive)
  count       INTEGER NOT NULL,   -- calls whose duration fell in [lo, hi)
  PRIMARY KEY (function_id, bucket)
) WITHOUT ROWID;

-- Per-call SELF-time histogram of a function (schema version 2): same buckets as
-- function_hist, over each call's exclusive duration (its duration minus its instrumented
-- callees'), so self-time tests and percentiles never fall back to inclusive durations.
-- Absent in version-1 databases.
CREATE TABLE IF NOT EXISTS function_self_hist (
  function_id INTEGER NOT NULL REFERENCES function(id), -- the function
  bucket      INTEGER NOT NULL,   -- bucket index, as function_hist.bucket
  lo          INTEGER NOT NULL,   -- smallest self duration in the bucket, ns (inclusive)
  hi          INTEGER NOT NULL,   -- end of the bucket, ns (exclusive)
  count       INTEGER NOT NULL,   -- calls whose self duration fell in [lo, hi)
  PRIMARY KEY (function_id, bucket)
) WITHOUT ROWID;

-- The calling-context tree, merged over threads: one node per distinct chain of
-- instrumented, non-excluded functions from a thread's outermost frame.
CREATE TABLE IF NOT EXISTS callpath (
  id          INTEGER PRIMARY KEY,                    -- node id within the database
  run_id      INTEGER NOT NULL REFERENCES run(id),    -- owning run
  parent_id   INTEGER REFERENCES callpath(id),        -- caller's node; NULL for a root (outermost frame)
  function_id INTEGER NOT NULL REFERENCES function(id),-- function at this node
  depth       INTEGER NOT NULL,   -- 0 for roots
  calls       INTEGER NOT NULL DEFAULT 0, -- completed calls along this exact path
  total_dur   INTEGER NOT NULL DEFAULT 0, -- inclusive time of those calls, ns
  self_dur    INTEGER NOT NULL DEFAULT 0, -- exclusive time of those calls, ns
  min_dur     INTEGER,            -- shortest call on this path, ns
  max_dur     INTEGER             -- longest call on this path, ns
);
CREATE INDEX IF NOT EXISTS callpath_parent ON callpath(parent_id);

-- Per thread and function: the per-thread breakdown (pscope-stats --threads).
CREATE TABLE IF NOT EXISTS thread_stat (
  thread_id   INTEGER NOT NULL REFERENCES thread(id),   -- the thread
  function_id INTEGER NOT NULL REFERENCES function(id), -- the function
  calls       INTEGER NOT NULL,   -- completed calls on this thread
  total_dur   INTEGER NOT NULL,   -- inclusive time on this thread, ns, recursion counted once
  self_dur    INTEGER NOT NULL,   -- exclusive time on this thread, ns
  PRIMARY KEY (thread_id, function_id)
) WITHOUT ROWID;

-- Caller edges of aggregate-only imports (schema version 2): pscope-import of a
-- cProfile/pstats file, which records per caller and callee, not per call path, so such
-- a run has no callpath rows. The figures are the callee's when called from the caller
-- (pstats' "callers" entries). Empty for collector runs: derive edges from callpath.
CREATE TABLE IF NOT EXISTS function_caller (
  function_id     INTEGER NOT NULL REFERENCES function(id), -- the callee
  caller_id       INTEGER NOT NULL REFERENCES function(id), -- the calling function
  calls           INTEGER NOT NULL,   -- calls of the callee from this caller
  primitive_calls INTEGER NOT NULL,   -- of those, calls not made while the callee was already on the stack
  total_dur       INTEGER NOT NULL,   -- inclusive time of those calls, ns
  self_dur        INTEGER NOT NULL,   -- exclusive time of those calls, ns
  PRIMARY KEY (function_id, caller_id)
) WITHOUT ROWID;

-- Raw call rows, up to the run's budget (config max_calls; see docs/collector.md for
-- which calls are kept). No index by default: ingest speed matters more; create one with
-- CREATE INDEX call_function ON call(function_id) for repeated per-function queries.
CREATE TABLE IF NOT EXISTS call (
  id          INTEGER PRIMARY KEY, -- run_id * 2^40 + entry sequence number within the run
  run_id      INTEGER NOT NULL,    -- owning run
  thread_id   INTEGER NOT NULL,    -- thread.id of the calling thread
  callpath_id INTEGER NOT NULL,    -- callpath.id of the call
  function_id INTEGER NOT NULL,    -- function.id of the callee
  parent_id   INTEGER,             -- call.id of the enclosing call (may be unstored); NULL at depth 0
  depth       INTEGER NOT NULL,    -- stack depth, 0 for outermost frames
  ts          INTEGER NOT NULL,    -- entry time, ns since run start
  dur         INTEGER NOT NULL,    -- inclusive duration, ns
  self_dur    INTEGER NOT NULL     -- exclusive duration, ns
);

-- The full trace (config trace: full): every completed call, in compact blocks of up to
-- 16,384 calls of one thread each, in completion order. Format 'pstb1' is specified in
-- docs/schema.md ("Trace blocks"); read it with the extension's pscope_calls(run_id)
-- table-valued function (the columns of `call`) or common/traceblk.h. A block is
-- inserted whole in one statement of the writer's transaction: never partial.
CREATE TABLE IF NOT EXISTS call_block (
  id        INTEGER PRIMARY KEY,                 -- block id, increasing in commit order
  run_id    INTEGER NOT NULL REFERENCES run(id), -- owning run
  thread_id INTEGER NOT NULL REFERENCES thread(id), -- thread whose calls the block holds
  ts_min    INTEGER NOT NULL,  -- smallest entry ts of the block's calls, ns since run start
  ts_max    INTEGER NOT NULL,  -- largest entry ts of the block's calls
  calls     INTEGER NOT NULL,  -- calls in the block
  encoding  TEXT NOT NULL,     -- block format: 'pstb1'
  data      BLOB NOT NULL      -- the block (header, call-path dictionary, columns)
);
CREATE INDEX IF NOT EXISTS call_block_run ON call_block(run_id, ts_min);

-- Explicit stages (pscope_stage_begin/end): spans with record counts and resources.
CREATE TABLE IF NOT EXISTS stage (
  id           INTEGER PRIMARY KEY,                 -- stage span id within the database
  run_id       INTEGER NOT NULL REFERENCES run(id), -- owning run
  parent_id    INTEGER REFERENCES stage(id),        -- enclosing stage on the same thread; NULL at top level
  thread_id    INTEGER REFERENCES thread(id),       -- thread that ran the stage
  name         TEXT NOT NULL,     -- stage name given to pscope_stage_begin
  ts           INTEGER NOT NULL,  -- begin, ns since run start
  dur          INTEGER,           -- duration, ns; NULL if never ended (crash)
  records_in   INTEGER,           -- records entering the stage (pscope_stage_records); NULL if not given
  records_out  INTEGER,           -- records leaving the stage; NULL if not given
  record_marks INTEGER NOT NULL DEFAULT 0, -- per-record marks (pscope_stage_record)
  cpu_ns       INTEGER,           -- thread CPU time (CLOCK_THREAD_CPUTIME_ID) spent in the stage, ns
  rss_begin    INTEGER,           -- resident set size at begin, bytes
  rss_end      INTEGER,           -- resident set size at end, bytes
  minflt       INTEGER,           -- minor page faults of the thread during the stage
  majflt       INTEGER            -- major page faults of the thread during the stage
);
-- The collector's end-of-run tagging of resource samples with the innermost open stage
-- of their thread looks stages up by thread and start time.
CREATE INDEX IF NOT EXISTS stage_thread_ts ON stage(thread_id, ts);

-- Per-record latency histogram of a stage span: same buckets as function_hist.
CREATE TABLE IF NOT EXISTS stage_hist (
  stage_id INTEGER NOT NULL REFERENCES stage(id), -- the stage span
  bucket   INTEGER NOT NULL,  -- bucket index, as function_hist.bucket
  lo       INTEGER NOT NULL,  -- smallest latency in the bucket, ns (inclusive)
  hi       INTEGER NOT NULL,  -- end of the bucket, ns (exclusive)
  count    INTEGER NOT NULL,  -- records whose latency fell in [lo, hi)
  PRIMARY KEY (stage_id, bucket)
) WITHOUT ROWID;

-- User counters (pscope_counter_add, running total after each add) and gauges.
CREATE TABLE IF NOT EXISTS counter (
  id        INTEGER PRIMARY KEY,                 -- sample id
  run_id    INTEGER NOT NULL REFERENCES run(id), -- owning run
  thread_id INTEGER REFERENCES thread(id),       -- thread that set it
  name      TEXT NOT NULL,     -- counter or gauge name
  kind      TEXT NOT NULL,     -- 'counter' (value is the running total) or 'gauge' (value as set)
  ts        INTEGER NOT NULL,  -- ns since run start
  value     REAL NOT NULL      -- value at ts
);

-- Resource samples taken by the sampler thread, one row per sampled thread per tick.
CREATE TABLE IF NOT EXISTS resource_sample (
  id          INTEGER PRIMARY KEY,                 -- sample id
  run_id      INTEGER NOT NULL REFERENCES run(id), -- owning run
  ts          INTEGER NOT NULL,  -- ns since run start
  thread_id   INTEGER REFERENCES thread(id), -- sampled thread; NULL for a process-wide row
  cpu_user_ns INTEGER,           -- user CPU time consumed since the previous sample of the same thread (process if thread_id NULL), ns
  cpu_sys_ns  INTEGER,           -- system CPU time consumed since the previous sample, ns
  rss         INTEGER,           -- process resident set size, bytes
  rss_delta   INTEGER,           -- change of rss since the previous process sample, bytes
  minflt      INTEGER,           -- minor faults since the previous sample
  majflt      INTEGER,           -- major faults since the previous sample
  function_id INTEGER REFERENCES function(id), -- function on top of the thread's stack; NULL if none
  callpath_id INTEGER REFERENCES callpath(id), -- call path on top of the thread's stack; NULL if none
  stage_id    INTEGER REFERENCES stage(id),    -- innermost open stage of the thread; NULL if none
  gpu_index   INTEGER,           -- GPU device index (NVML); NULL when no GPU
  gpu_util    REAL,              -- GPU utilisation, percent; NULL when no GPU
  gpu_mem     INTEGER,           -- GPU memory used in bytes; NULL when no GPU
  runq_ns     INTEGER            -- thread rows: time the thread waited on a run queue for a CPU since its previous sample (the second field of /proc/PID/task/TID/schedstat), ns; NULL when not recorded (version 2)
);

-- ---------------------------------------------------------------------------------
-- Views: the common questions in one line.
-- ---------------------------------------------------------------------------------

-- Run time base for shares: the sum of all functions' self time in the run (= total
-- instrumented thread time). Shares are of this, so self shares add up to 1.
CREATE VIEW IF NOT EXISTS run_time AS
  SELECT r.id AS run_id,
         (SELECT COALESCE(SUM(s.self_dur), 0) FROM function_stat s WHERE s.run_id = r.id) AS thread_time,
         r.dur AS wall_time
  FROM run r;

-- One row per function with its exact statistics and shares of the run.
CREATE VIEW IF NOT EXISTS function_summary AS
  SELECT f.run_id, f.id AS function_id, f.name, f.module, f.file, f.line,
         s.calls, s.primitive_calls, s.total_dur, s.self_dur,
         CAST(s.sum_dur AS REAL) / s.calls AS mean_dur,
         CAST(s.self_dur AS REAL) / s.calls AS self_per_call,
         s.min_dur, s.max_dur,
         CASE WHEN s.calls > 1
              THEN (s.sum_sq_dur - CAST(s.sum_dur AS REAL) * s.sum_dur / s.calls) / (s.calls - 1)
         END AS var_dur,
         CAST(s.self_dur AS REAL) / NULLIF(t.thread_time, 0) AS self_share,
         CAST(s.total_dur AS REAL) / NULLIF(t.thread_time, 0) AS total_share
  FROM function f
  JOIN function_stat s ON s.function_id = f.id
  JOIN run_time t ON t.run_id = f.run_id;

-- Amdahl view of self time: removing a function entirely caps the speedup at
-- 1/(1 - p); making it 2x faster gives 1/((1 - p) + p/2). max_speedup is NULL when the
-- speedup is unbounded (p = 1: the function is all of the run's time), where
-- pscope-stats --hotspots shows ∞ (and JSON null): the same figure, never a large number.
CREATE VIEW IF NOT EXISTS hotspot AS
  SELECT run_id, function_id, name, file, line, calls, self_dur, self_share,
         CASE WHEN self_share < 1.0 THEN 1.0 / (1.0 - self_share) END AS max_speedup,
         1.0 / ((1.0 - self_share) + self_share / 2.0) AS speedup_2x,
         self_dur / 2 AS saved_2x_dur
  FROM function_summary
  ORDER BY run_id, self_dur DESC;

-- Call paths with the function name and the full path as text (root;...;leaf).
CREATE VIEW IF NOT EXISTS callpath_summary AS
  WITH RECURSIVE p(id, path) AS (
    SELECT c.id, f.name FROM callpath c JOIN function f ON f.id = c.function_id
    WHERE c.parent_id IS NULL
    UNION ALL
    SELECT c.id, p.path || ';' || f.name
    FROM callpath c JOIN p ON c.parent_id = p.id JOIN function f ON f.id = c.function_id
  )
  SELECT c.run_id, c.id AS callpath_id, c.parent_id, c.depth, f.name, p.path,
         c.calls, c.total_dur, c.self_dur, c.min_dur, c.max_dur
  FROM callpath c JOIN function f ON f.id = c.function_id JOIN p ON p.id = c.id;

-- Stage spans with derived figures: pass ratio, throughput and CPU utilisation.
CREATE VIEW IF NOT EXISTS stage_summary AS
  SELECT s.run_id, s.name, COUNT(*) AS spans, SUM(s.dur) AS total_dur,
         SUM(s.records_in) AS records_in, SUM(s.records_out) AS records_out,
         CAST(SUM(s.records_out) AS REAL) / NULLIF(SUM(s.records_in), 0) AS pass_ratio,
         SUM(s.records_in) * 1e9 / NULLIF(SUM(s.dur), 0) AS throughput_in_per_s,
         SUM(s.cpu_ns) AS cpu_ns,
         CAST(SUM(s.cpu_ns) AS REAL) / NULLIF(SUM(s.dur), 0) AS cpu_util,
         SUM(s.rss_end - s.rss_begin) AS rss_growth
  FROM stage s
  GROUP BY s.run_id, s.name;

-- CPU time and RSS growth attributed to the function on top of the stack when sampled.
-- Thread rows carry the CPU of that thread; the process row of each tick carries RSS
-- growth and is tagged with the busiest thread's stack top.
CREATE VIEW IF NOT EXISTS resource_by_function AS
  SELECT r.run_id, r.function_id, f.name,
         SUM(CASE WHEN r.thread_id IS NOT NULL THEN 1 ELSE 0 END) AS samples,
         SUM(CASE WHEN r.thread_id IS NOT NULL THEN r.cpu_user_ns + r.cpu_sys_ns ELSE 0 END) AS cpu_ns,
         SUM(CASE WHEN r.thread_id IS NULL AND COALESCE(r.gpu_index, 0) = 0 THEN r.rss_delta ELSE 0 END) AS rss_growth
  FROM resource_sample r JOIN function f ON f.id = r.function_id
  GROUP BY r.run_id, r.function_id;

-- CPU time per stage name from the thread samples taken inside its spans.
CREATE VIEW IF NOT EXISTS resource_by_stage AS
  SELECT r.run_id, s.name, COUNT(*) AS samples, SUM(r.cpu_user_ns + r.cpu_sys_ns) AS cpu_ns
  FROM resource_sample r JOIN stage s ON s.id = r.stage_id
  GROUP BY r.run_id, s.name;

-- Process-wide timeline: one row per sampler tick with cumulative CPU.
CREATE VIEW IF NOT EXISTS resource_timeline AS
  SELECT run_id, ts, cpu_user_ns, cpu_sys_ns, rss, rss_delta, minflt, majflt, gpu_index, gpu_util, gpu_mem,
         SUM(cpu_user_ns + cpu_sys_ns) OVER (PARTITION BY run_id, COALESCE(gpu_index, 0) ORDER BY ts) AS cpu_cum_ns
  FROM resource_sample WHERE thread_id IS NULL;

-- On-CPU estimate per call path (schema version 2; docs/stats.md, "On CPU or waiting").
-- Each thread row of resource_sample carries the CPU time its thread consumed since the
-- thread's previous row (cpu_user_ns + cpu_sys_ns) and is tagged with the call path on top
-- of that thread's stack when it was taken. The interval of a row is ts minus the previous
-- row's ts of the same thread (the first row of a thread has no known interval and is not
-- used). For a call path, oncpu_share = its rows' CPU / their intervals (clamped to 1):
-- the fraction of the time it was on top that its thread ran on a CPU; blocked_share =
-- 1 - (CPU + run-queue wait) / intervals, when every row has runq_ns: the fraction it
-- slept (locks, I/O, condition variables) rather than ran or waited for a busy CPU.
-- Resolution: one sampler interval; the tools show no estimate below 3 samples.
CREATE VIEW IF NOT EXISTS callpath_oncpu AS
  WITH w AS (
    SELECT r.run_id, r.callpath_id, r.function_id,
           COALESCE(r.cpu_user_ns, 0) + COALESCE(r.cpu_sys_ns, 0) AS cpu_ns, r.runq_ns,
           r.ts - LAG(r.ts) OVER (PARTITION BY r.thread_id ORDER BY r.ts, r.id) AS window_ns
    FROM resource_sample r
    WHERE r.thread_id IS NOT NULL
  )
  SELECT run_id, callpath_id, function_id, COUNT(*) AS samples,
         SUM(cpu_ns) AS cpu_ns, SUM(window_ns) AS window_ns, SUM(runq_ns) AS runq_ns,
         MIN(1.0, CAST(SUM(cpu_ns) AS REAL) / SUM(window_ns)) AS oncpu_share,
         CASE WHEN COUNT(runq_ns) = COUNT(*)
              THEN MAX(0.0, 1.0 - CAST(SUM(cpu_ns) + SUM(runq_ns) AS REAL) / SUM(window_ns))
         END AS blocked_share
  FROM w
  WHERE window_ns > 0 AND callpath_id IS NOT NULL
  GROUP BY run_id, callpath_id;

-- The same estimate per function (its call paths pooled), with its self time split into
-- on-CPU and waiting parts: oncpu_dur = oncpu_share * self_dur (raw self time).
CREATE VIEW IF NOT EXISTS function_oncpu AS
  SELECT o.run_id, o.function_id, f.name, SUM(o.samples) AS samples,
         SUM(o.cpu_ns) AS cpu_ns, SUM(o.window_ns) AS window_ns,
         MIN(1.0, CAST(SUM(o.cpu_ns) AS REAL) / SUM(o.window_ns)) AS oncpu_share,
         CASE WHEN COUNT(o.blocked_share) = COUNT(*)
              THEN MAX(0.0, 1.0 - CAST(SUM(o.cpu_ns) + SUM(o.runq_ns) AS REAL) / SUM(o.window_ns))
         END AS blocked_share,
         s.self_dur,
         MIN(1.0, CAST(SUM(o.cpu_ns) AS REAL) / SUM(o.window_ns)) * s.self_dur AS oncpu_dur
  FROM callpath_oncpu o
  JOIN function f ON f.id = o.function_id
  JOIN function_stat s ON s.function_id = o.function_id
  GROUP BY o.run_id, o.function_id;

-- Call paths with times compensated for the hooks' own cost (schema version 2; formulas
-- in docs/stats.md, "Hook cost compensation"). With h = run.hook_ns, i = run.hook_inner_ns
-- (NULL: 0) and o = h - i: each instrumented call adds i to its own self time, o to its
-- caller's self time and h to the inclusive time of every ancestor, so
--   self_comp  = self_dur  - calls * i - child_calls * o
--   total_comp = total_dur - calls * i - desc_calls * h
-- (child_calls: calls of the node's children; desc_calls: of all nodes below it), clamped
-- at 0. Without a calibration (hook_ns NULL) the raw figures are repeated.
CREATE VIEW IF NOT EXISTS callpath_compensated AS
  WITH RECURSIVE anc(id, anc_id) AS (
    SELECT id, parent_id FROM callpath WHERE parent_id IS NOT NULL
    UNION ALL
    SELECT a.id, c.parent_id FROM anc a JOIN callpath c ON c.id = a.anc_id
    WHERE c.parent_id IS NOT NULL
  ),
  below AS (
    SELECT a.anc_id AS id, SUM(c.calls) AS desc_calls
    FROM anc a JOIN callpath c ON c.id = a.id GROUP BY a.anc_id
  ),
  kids AS (
    SELECT parent_id AS id, SUM(calls) AS child_calls
    FROM callpath WHERE parent_id IS NOT NULL GROUP BY parent_id
  )
  SELECT c.run_id, c.id AS callpath_id, c.parent_id, c.function_id, c.depth, c.calls,
         c.total_dur, c.self_dur,
         COALESCE(k.child_calls, 0) AS child_calls, COALESCE(b.desc_calls, 0) AS desc_calls,
         NOT EXISTS (SELECT 1 FROM anc a JOIN callpath p ON p.id = a.anc_id
                     WHERE a.id = c.id AND p.function_id = c.function_id) AS outermost,
         r.hook_ns, r.hook_inner_ns,
         CASE WHEN r.hook_ns IS NULL THEN c.self_dur
              ELSE MAX(0.0, c.self_dur - c.calls * COALESCE(r.hook_inner_ns, 0)
                            - COALESCE(k.child_calls, 0) * (r.hook_ns - COALESCE(r.hook_inner_ns, 0)))
         END AS self_comp,
         CASE WHEN r.hook_ns IS NULL THEN c.total_dur
              ELSE MAX(0.0, c.total_dur - c.calls * COALESCE(r.hook_inner_ns, 0)
                            - COALESCE(b.desc_calls, 0) * r.hook_ns)
         END AS total_comp
  FROM callpath c
  JOIN run r ON r.id = c.run_id
  LEFT JOIN kids k ON k.id = c.id
  LEFT JOIN below b ON b.id = c.id;

-- Functions with compensated times: self from function_stat minus calls * i minus the
-- calls it made * o; inclusive (recursion counted once) minus, over its outermost call
-- paths, calls * i + desc_calls * h; the per-call mean likewise over all its call paths.
-- Clamped at 0; raw figures repeated without a calibration.
CREATE VIEW IF NOT EXISTS function_compensated AS
  WITH agg AS (
    SELECT function_id, SUM(child_calls) AS child_calls,
           SUM(CASE WHEN outermost THEN calls * COALESCE(hook_inner_ns, 0) + desc_calls * hook_ns
                    ELSE 0 END) AS outer_sub,
           SUM(calls * COALESCE(hook_inner_ns, 0) + desc_calls * hook_ns) AS all_sub
    FROM callpath_compensated GROUP BY function_id
  )
  SELECT f.run_id, f.id AS function_id, f.name, s.calls, s.self_dur, s.total_dur,
         r.hook_ns, r.hook_inner_ns,
         CASE WHEN r.hook_ns IS NULL THEN s.self_dur
              ELSE MAX(0.0, s.self_dur - s.calls * COALESCE(r.hook_inner_ns, 0)
                            - COALESCE(a.child_calls, 0) * (r.hook_ns - COALESCE(r.hook_inner_ns, 0)))
         END AS self_comp,
         CASE WHEN r.hook_ns IS NULL THEN s.total_dur
              ELSE MAX(0.0, s.total_dur - COALESCE(a.outer_sub, 0)) END AS total_comp,
         CASE WHEN r.hook_ns IS NULL THEN CAST(s.sum_dur AS REAL) / s.calls
              ELSE MAX(0.0, s.sum_dur - COALESCE(a.all_sub, 0)) / s.calls END AS mean_comp
  FROM function f
  JOIN function_stat s ON s.function_id = f.id
  JOIN run r ON r.id = f.run_id
  LEFT JOIN agg a ON a.function_id = f.id;
