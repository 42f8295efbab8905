#!/usr/bin/env bash
# tests/e2e/trace.sh: the full trace end to end (config trace: full; call_block read back
# with the pscope_calls table-valued function of build/lib/pscope_sqlite.so).
#
# For fib and the test programs (threads, fork, exclusion, deep stacks, signal handlers,
# stages, a thread that exits early), each recorded with trace: full and max_calls: 0 so
# both stores keep everything, and for every run in the database:
#   - the decoded calls equal the plain `call` rows, every column, both ways (EXCEPT);
#   - run.trace = 'full' and trace_calls = calls_seen = calls_stored = sum(call_block.calls);
#   - per function, the decoded calls equal function_stat.calls; per thread, thread.calls;
#   - a time-range query returns exactly the plain rows in that range.
# Also: the default (trace off) writes no block; a cap (trace_max_bytes) truncates the
# trace, says so in the run row and keeps the aggregates exact; a process killed mid-run
# leaves only whole blocks (all decode, their calls add up to run.trace_calls).
#
# Ends with "N passed, M failed"; exit status 1 on any failure. BUILD_DIR selects the build.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD_DIR:-build}
root=$PWD
run="$root/$build/bin/pscope-run"
ext="$root/$build/lib/pscope_sqlite"
progs="$root/$build/tests/progs"
lib="$root/$build/lib/libpscope.so"
passed=0; failed=0
ok()   { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

for f in "$run" "$ext.so" "$progs/fib" "$lib"; do
  [ -e "$f" ] || { echo "trace: $f missing (run make test)"; echo "0 passed, 1 failed"; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "trace: sqlite3 missing"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d /tmp/pscope-trace.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT

# Under make check-asan the extension is linked with the sanitizer runtimes: the (plain)
# sqlite3 shell must load them first, and its own allocations are not ours to leak-check.
san_preload=$(ldd "$ext.so" 2>/dev/null | awk '/lib(asan|ubsan)\.so/ { printf "%s%s", sep, $3; sep = ":" }')
q() {
  if [ -n "$san_preload" ]; then
    LD_PRELOAD="$san_preload" ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
      sqlite3 -batch "$1" ".load $ext" "$2" 2>&1
  else
    sqlite3 -batch "$1" ".load $ext" "$2" 2>&1
  fi
}

# check_db NAME DB: the invariants above for every run of DB
check_db() {
  local name=$1 db=$2 r got
  for r in $(sqlite3 "$db" "SELECT id FROM run ORDER BY id"); do
    got=$(q "$db" "SELECT (SELECT count(*) FROM (SELECT * FROM call WHERE run_id = $r
                       EXCEPT SELECT * FROM pscope_calls($r)))
                   || ' ' || (SELECT count(*) FROM (SELECT * FROM pscope_calls($r)
                       EXCEPT SELECT * FROM call WHERE run_id = $r))")
    [ "$got" = "0 0" ] && ok "$name run $r: decoded calls = plain rows, every column" ||
      fail "$name run $r: rows only in call / only in the trace: $got"
    got=$(q "$db" "SELECT trace, trace_calls = calls_seen, calls_seen = calls_stored,
                          trace_calls = (SELECT total(calls) FROM call_block WHERE run_id = $r),
                          (SELECT count(*) FROM pscope_calls($r)) = calls_seen, trace_truncated
                   FROM run WHERE id = $r")
    [ "$got" = "full|1|1|1|1|0" ] && ok "$name run $r: run row counts the whole trace" ||
      fail "$name run $r: run row trace|trace=seen|seen=stored|blocks|decoded|truncated = $got"
    got=$(q "$db" "SELECT count(*) FROM function_stat s WHERE s.run_id = $r AND s.calls !=
                     (SELECT count(*) FROM pscope_calls($r) c WHERE c.function_id = s.function_id)")
    [ "$got" = 0 ] && ok "$name run $r: decoded calls per function = function_stat.calls" ||
      fail "$name run $r: $got functions whose decoded count differs from function_stat"
    got=$(q "$db" "SELECT count(*) FROM thread t WHERE t.run_id = $r AND t.calls !=
                     (SELECT count(*) FROM pscope_calls($r) c WHERE c.thread_id = t.id)")
    [ "$got" = 0 ] && ok "$name run $r: decoded calls per thread = thread.calls" ||
      fail "$name run $r: $got threads whose decoded count differs from thread.calls"
    got=$(q "$db" "WITH b AS (SELECT (SELECT ts FROM call WHERE run_id = $r ORDER BY ts
                                       LIMIT 1 OFFSET (SELECT count(*) / 4 FROM call WHERE run_id = $r)) AS lo,
                                     (SELECT ts FROM call WHERE run_id = $r ORDER BY ts
                                       LIMIT 1 OFFSET (SELECT count(*) * 3 / 4 FROM call WHERE run_id = $r)) AS hi)
                   SELECT (SELECT count(*) FROM (SELECT c.* FROM pscope_calls($r) c, b WHERE c.ts BETWEEN b.lo AND b.hi
                              EXCEPT SELECT c.* FROM call c, b WHERE c.run_id = $r AND c.ts BETWEEN b.lo AND b.hi))
                       || ' ' || (SELECT count(*) FROM pscope_calls($r) c, b WHERE c.ts BETWEEN b.lo AND b.hi)
                       || ' ' || (SELECT count(*) FROM call c, b WHERE c.run_id = $r AND c.ts BETWEEN b.lo AND b.hi)")
    set -- $got
    [ "${1:-x}" = 0 ] && [ "${2:-x}" = "${3:-y}" ] && ok "$name run $r: time-range query = plain rows in range ($2)" ||
      fail "$name run $r: time-range query: $got"
  done
}

# profile NAME PROG ARGS...: record with trace: full and every plain row
profile() {
  local name=$1; shift
  local db="$tmp/$name.db"
  if PSCOPE_TRACE=full PSCOPE_MAX_CALLS=0 PSCOPE_SAMPLE_INTERVAL=0 "$run" -q -o "$db" -- "$@" \
       >"$tmp/$name.out" 2>&1; then
    check_db "$name" "$db"
  else
    fail "$name: pscope-run exit $? ($(head -c 300 "$tmp/$name.out"))"
  fi
}

profile fib "$progs/fib" 24           # 92,735 calls: 6 blocks
profile threads4 "$progs/threads4"
profile many_threads "$progs/many_threads"
profile forker "$progs/forker"        # two runs, each with its own blocks
export PSCOPE_EXCLUDE='_excluded$'
profile excluded "$progs/excluded"
unset PSCOPE_EXCLUDE
profile deep "$progs/deep"
profile signals "$progs/signals" 200000
profile exit_thread "$progs/exit_thread"
profile chain "$progs/chain"

# default: trace off, no block
db="$tmp/off.db"
PSCOPE_SAMPLE_INTERVAL=0 "$run" -q -o "$db" -- "$progs/fib" 20 >/dev/null 2>&1
got=$(sqlite3 "$db" "SELECT trace, trace_calls, (SELECT count(*) FROM call_block) FROM run")
[ "$got" = "off|0|0" ] && ok "trace off by default: no block" || fail "trace off: $got"

# a cap: truncated, said so, aggregates exact (fib(26) = 121393: 242785 calls of fib)
db="$tmp/cap.db"
PSCOPE_TRACE=full PSCOPE_TRACE_MAX_BYTES=60000 PSCOPE_SAMPLE_INTERVAL=0 "$run" -q -o "$db" -- "$progs/fib" 26 >/dev/null 2>&1
got=$(q "$db" "SELECT trace_truncated, trace_bytes <= 60000, trace_bytes = (SELECT total(length(data)) FROM call_block),
                      trace_calls < calls_seen, trace_calls = (SELECT count(*) FROM pscope_calls(1)),
                      trace_max_bytes, (SELECT calls FROM function_stat s JOIN function f ON f.id = s.function_id
                                        WHERE f.name = 'fib')
               FROM run")
[ "$got" = "1|1|1|1|1|60000|242785" ] && ok "trace_max_bytes: truncated, said so, aggregates exact" ||
  fail "trace_max_bytes: $got"

# killed mid-run: only whole blocks
db="$tmp/kill.db"
timeout -s KILL 1.5 env PSCOPE_OUTPUT="$db" PSCOPE_TRACE=full PSCOPE_SAMPLE_INTERVAL=0 LD_PRELOAD="$lib" \
  "$progs/signals" 50000000 >/dev/null 2>&1
got=$(q "$db" "SELECT complete, trace_calls = (SELECT total(calls) FROM call_block WHERE run_id = r.id),
                      (SELECT count(*) FROM pscope_calls(r.id)) = trace_calls, trace_calls <= calls_seen
               FROM run r")
[ "$got" = "0|1|1|1" ] && ok "killed mid-run: every committed block whole and decodable" ||
  fail "killed mid-run: complete|blocks=trace_calls|decoded|<=seen = $got"

# a corrupt block: an SQL error naming it, no crash
cp "$tmp/fib.db" "$tmp/bad.db"
sqlite3 "$tmp/bad.db" "UPDATE call_block SET data = substr(data, 1, 40) WHERE id = 2"
got=$(q "$tmp/bad.db" "SELECT count(*) FROM pscope_calls(1)")
case $got in
  *"pscope_calls: call_block 2: truncated or padded"*) ok "corrupt block: SQL error naming it" ;;
  *) fail "corrupt block: $got" ;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
