#!/usr/bin/env bash
# tests/data/stats/bench_stats.sh: build the performance fixture of pscope-stats — a real
# fib(32) run (~7 M calls, call path depth ~32) recorded by the collector — and time the
# default table, --tree and --hotspots on it (issue 4's targets: table <= 0.1 s, tree <=
# 0.3 s), plus --exact on a run that stored every call.
#
# Usage: tests/data/stats/bench_stats.sh [BUILD_DIR [WORK_DIR]]
#   BUILD_DIR  a build made with `make B=BUILD_DIR` (default: build); needs bin/pscope-run,
#              bin/pscope-stats and lib/libpscope.so
#   WORK_DIR   where the program and databases go (default: a fresh mktemp -d, kept)
# Prints one line per measurement: "<what> median <s> s (min <s>, max <s>) over N runs".
# Exit status: 0 when both targets are met, 1 otherwise, 2 on a setup problem.
set -euo pipefail
B=${1:-build}
W=${2:-$(mktemp -d /tmp/pscope-stats-bench.XXXXXX)}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
STATS="$B/bin/pscope-stats"
RUN="$B/bin/pscope-run"
for f in "$STATS" "$RUN" "$B/lib/libpscope.so"; do
  [ -e "$f" ] || { echo "bench_stats: $f missing (make B=$B first)" >&2; exit 2; }
done
mkdir -p "$W"
cc -finstrument-functions -O2 -g -fno-optimize-sibling-calls -fno-omit-frame-pointer \
   -o "$W/fib" "$ROOT/bench/fib.c"

if [ ! -s "$W/fib.db" ]; then
  "$RUN" -o "$W/fib.db" --label fib32 --scale 32 -- "$W/fib" 32 >/dev/null
fi
if [ ! -s "$W/fib-full.db" ]; then
  PSCOPE_MAX_CALLS=0 "$RUN" -o "$W/fib-full.db" --label fib32-full --scale 32 -- "$W/fib" 32 >/dev/null
fi

# median of N wall times (seconds) of one command, its output discarded
measure() {
  local what=$1 n=$2; shift 2
  local times=()
  for ((i = 0; i < n; i++)); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    times+=("$(( t1 - t0 ))")
  done
  local sorted
  mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
  local med=${sorted[$(( n / 2 ))]} min=${sorted[0]} max=${sorted[$(( n - 1 ))]}
  awk -v w="$what" -v a="$med" -v b="$min" -v c="$max" -v n="$n" \
    'BEGIN { printf "%-34s median %.4f s (min %.4f, max %.4f) over %d runs\n", w, a/1e9, b/1e9, c/1e9, n }'
  LAST_MEDIAN_NS=$med
}

echo "fixture: $W/fib.db ($(stat -c %s "$W/fib.db") bytes), $W/fib-full.db ($(stat -c %s "$W/fib-full.db") bytes)"
"$STATS" "$W/fib.db" --list-runs
ok=0
measure "table (default budget db)" 21 "$STATS" "$W/fib.db";                 table_ns=$LAST_MEDIAN_NS
measure "--tree (default budget db)" 21 "$STATS" "$W/fib.db" --tree;         tree_ns=$LAST_MEDIAN_NS
measure "--hotspots (default budget db)" 21 "$STATS" "$W/fib.db" --hotspots
measure "table (every call stored)" 21 "$STATS" "$W/fib-full.db";            full_table_ns=$LAST_MEDIAN_NS
measure "--tree (every call stored)" 21 "$STATS" "$W/fib-full.db" --tree;    full_tree_ns=$LAST_MEDIAN_NS
measure "--exact (every call stored)" 3 "$STATS" "$W/fib-full.db" --exact
for t in "$table_ns" "$full_table_ns"; do [ "$t" -le 100000000 ] || ok=1; done
for t in "$tree_ns" "$full_tree_ns"; do [ "$t" -le 300000000 ] || ok=1; done
[ $ok -eq 0 ] && echo "targets met: table <= 0.1 s, --tree <= 0.3 s" || echo "TARGET MISSED"
exit $ok
