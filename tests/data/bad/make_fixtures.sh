#!/usr/bin/env bash
# tests/data/bad/make_fixtures.sh: writes the binary bad-input fixtures of
# tests/e2e/bad_input.sh into DIR (generated at test time so that no binary database is
# committed; small and reproducible). The YAML fixtures are committed text files beside
# this script. Usage: make_fixtures.sh DIR   (needs the sqlite3 command-line shell)
#
#   good.db        one complete run (id 1, label "base") with functions, call paths, a
#                  thread and histograms; 10 calls seen, 4 stored (sampled)
#   notdb.db       a text file
#   empty.db       zero bytes
#   truncated.db   good.db cut to its first 3 pages
#   newer.db       good.db with PRAGMA user_version = 99
#   foreign.db     an SQLite database without pscope tables
#   zero_runs.db   the pscope schema and no run
#   incomplete.db  a single run that never completed (id 1, label "crashed")
#   two_incomplete.db  two incomplete runs and no complete one
set -eu
here=$(cd "$(dirname "$0")" && pwd)
schema="$here/../../../sql/schema.sql"
out=${1:?usage: make_fixtures.sh DIR}
mkdir -p "$out"
cd "$out"
rm -f good.db notdb.db empty.db truncated.db newer.db foreign.db zero_runs.db incomplete.db \
  two_incomplete.db

# run_sql DB ID LABEL COMPLETE: a run with main -> work, leaf; thread; histograms.
run_sql() {
  local id=$1 label=$2 complete=$3
  cat <<SQL
INSERT INTO run(id, label, command, pid, started_wall, ended_wall, dur, clock, pscope_version,
                calls_seen, calls_stored, complete)
  VALUES($id, '$label', './prog 10', 4242, 1700000000000000000,
         CASE WHEN $complete THEN 1700000000001000000 END, 1000000, 'monotonic', '0.1.0',
         10, 4, $complete);
INSERT INTO thread(id, run_id, tid, name, is_main, ts, end_ts, calls)
  VALUES($id, $id, 4242, 'prog', 1, 0, 1000000, 10);
INSERT INTO function(id, run_id, name, module, file, line, address, offset) VALUES
  (${id}01, $id, 'main', '/bin/prog', 'prog.c', 10, 4096, 4096),
  (${id}02, $id, 'work', '/bin/prog', 'prog.c', 20, 8192, 8192);
INSERT INTO function_stat(function_id, run_id, calls, primitive_calls, total_dur, self_dur,
                          sum_dur, sum_sq_dur, min_dur, max_dur) VALUES
  (${id}01, $id, 1, 1, 1000, 100, 1000, 1000000.0, 1000, 1000),
  (${id}02, $id, 9, 9, 900, 900, 900, 90000.0, 100, 100);
INSERT INTO function_hist(function_id, bucket, lo, hi, count) VALUES
  (${id}02, 100, 100, 101, 9);
INSERT INTO callpath(id, run_id, parent_id, function_id, depth, calls, total_dur, self_dur,
                     min_dur, max_dur) VALUES
  (${id}01, $id, NULL, ${id}01, 0, 1, 1000, 100, 1000, 1000),
  (${id}02, $id, ${id}01, ${id}02, 1, 9, 900, 900, 100, 100);
INSERT INTO thread_stat(thread_id, function_id, calls, total_dur, self_dur) VALUES
  ($id, ${id}01, 1, 1000, 100), ($id, ${id}02, 9, 900, 900);
SQL
}

schema_db() { sqlite3 "$1" < "$schema"; }

schema_db good.db
run_sql 1 base 1 | sqlite3 good.db

printf 'this is a text file, not a database\n' > notdb.db
: > empty.db
head -c $((3 * 4096)) good.db > truncated.db
cp good.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 99'
sqlite3 foreign.db 'CREATE TABLE t(x); INSERT INTO t VALUES (1)'
schema_db zero_runs.db
schema_db incomplete.db
run_sql 1 crashed 0 | sqlite3 incomplete.db
schema_db two_incomplete.db
{ run_sql 1 crashed 0; run_sql 2 crashed2 0; } | sqlite3 two_incomplete.db
