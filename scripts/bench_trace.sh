#!/usr/bin/env bash
# scripts/bench_trace.sh: the "## Full trace" section of BENCHMARKS.md (run by
# scripts/bench.sh, which collects every scripts/bench_*.sh; never part of make test).
#
# Measures, on this machine:
#   1. the block codec (bench/trace_codec.c over common/traceblk.c) on the real calls of
#      fib(BENCH_TRACE_CODEC_N) (default 27) recorded with every plain row: bytes per call
#      plain and with zstd levels 1 and 3, encode and decode speed (CPU time, best of 3);
#   2. end to end, fib(BENCH_FIB_N) (default 32) uninstrumented, under pscope with trace off
#      and full, and under `uftrace record --no-libcall` (when installed): CPU time (user +
#      sys, the figure that means something on a busy machine), wall time, peak RSS (best of
#      BENCH_RUNS) and stored bytes per call;
#   3. the pscope_calls table-valued function on that full trace: a full scan against a
#      time-range query of 1% of the run (CPU time of sqlite3 over the query, best of 3).
# Environment: BUILD_DIR (absolute, with lib/, bin/, tests/progs/), BENCH_RUNS (default 3),
# BENCH_WORK (scratch directory), BENCH_FIB_N, BENCH_TRACE_CODEC_N, CC.
# Prints the markdown section on stdout, logs on stderr; exit 0 when the section was
# printed, 1 when something needed could not be built.
set -u
set -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
BDIR=${BUILD_DIR:-$ROOT/build}
case $BDIR in /*) ;; *) BDIR=$ROOT/$BDIR ;; esac
RUNS=${BENCH_RUNS:-3}
WORK=${BENCH_WORK:-$(mktemp -d /tmp/pscope-bench-trace.XXXXXX)}
FIB_N=${BENCH_FIB_N:-32}
CODEC_N=${BENCH_TRACE_CODEC_N:-27}
CC=${CC:-cc}
mkdir -p "$WORK"
log() { printf 'bench_trace: %s\n' "$*" >&2; }

fib="$BDIR/tests/progs/fib"
run="$BDIR/bin/pscope-run"
ext="$BDIR/lib/pscope_sqlite"
for f in "$fib" "$run" "$ext.so"; do
  [ -e "$f" ] || { log "$f missing (make test builds it)"; exit 1; }
done
"$CC" -std=c11 -D_GNU_SOURCE -O2 -I common -o "$WORK/trace_codec" bench/trace_codec.c common/traceblk.c \
  -lsqlite3 -lzstd -lz || { log "bench/trace_codec.c failed to build"; exit 1; }
"$CC" -std=c11 -D_GNU_SOURCE -O2 -o "$WORK/runstat" bench/runstat.c || { log "runstat failed to build"; exit 1; }

# ---- 1. codec ---------------------------------------------------------------------------
log "recording fib($CODEC_N) with every plain row"
codec_db="$WORK/codec.db"
rm -f "$codec_db"*
PSCOPE_MAX_CALLS=0 PSCOPE_SAMPLE_INTERVAL=0 "$run" -q -o "$codec_db" "$fib" "$CODEC_N" >/dev/null 2>&1 ||
  { log "fib($CODEC_N) under pscope failed"; exit 1; }
codec_line() { "$WORK/trace_codec" "$codec_db" 1 "$1" 16384 3 2>>"$WORK/codec.err"; }
c0=$(codec_line 0); c1=$(codec_line 1); c3=$(codec_line 3)
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# ---- 2. end to end ----------------------------------------------------------------------
# best VARIANT: min over RUNS of cpu (user+sys, ms), wall (ms), maxrss (kB)
measure() {
  local name=$1; shift
  local best_cpu= best_wall= best_rss=
  for i in $(seq "$RUNS"); do
    "$@" >/dev/null 2>&1 || true
    local line; line=$(cat "$WORK/stat")
    local wall=$(( $(field wall_ns "$line") / 1000000 ))
    local cpu=$(( ($(field user_us "$line") + $(field sys_us "$line")) / 1000 ))
    local rss=$(field maxrss_kb "$line")
    [ -z "$best_cpu" ] || [ "$cpu" -lt "$best_cpu" ] && best_cpu=$cpu
    [ -z "$best_wall" ] || [ "$wall" -lt "$best_wall" ] && best_wall=$wall
    [ -z "$best_rss" ] || [ "$rss" -lt "$best_rss" ] && best_rss=$rss
  done
  printf '%s %s %s %s\n' "$name" "$best_cpu" "$best_wall" "$best_rss" >>"$WORK/e2e"
}
: >"$WORK/e2e"
log "end to end: fib($FIB_N), $RUNS runs per variant"
measure base "$WORK/runstat" -o "$WORK/stat" "$fib" "$FIB_N"
for mode in off full; do
  measure "$mode" env PSCOPE_TRACE=$mode PSCOPE_SAMPLE_INTERVAL=0 PSCOPE_OUTPUT="$WORK/e2e_$mode.db" \
    LD_PRELOAD="$BDIR/lib/libpscope.so" "$WORK/runstat" -o "$WORK/stat" "$fib" "$FIB_N"
done
have_uftrace=0
if command -v uftrace >/dev/null 2>&1; then
  have_uftrace=1
  measure uftrace bash -c 'rm -rf "$1"; exec "$2" -o "$3" uftrace record --no-libcall -d "$1" "$4" "$5"' _ \
    "$WORK/uftrace.data" "$WORK/runstat" "$WORK/stat" "$fib" "$FIB_N"
  uf_bytes=$(du -sb "$WORK/uftrace.data" | cut -f1)
fi
full_db="$WORK/e2e_full.db"
rid=$(sqlite3 "$full_db" "SELECT max(id) FROM run")
read -r calls tbytes < <(sqlite3 -separator ' ' "$full_db" "SELECT trace_calls, trace_bytes FROM run WHERE id = $rid")
e2e() { awk -v n="$1" -v k="$2" '$1 == n { print $k }' "$WORK/e2e"; }

# ---- 3. pscope_calls --------------------------------------------------------------------
# cpu_ms SQL: best CPU time (ms) of sqlite3 running SQL (extension load included)
cpu_ms() {
  local best=
  for i in 1 2 3; do
    "$WORK/runstat" -o "$WORK/stat" sqlite3 "$full_db" ".load $ext" "$1" >"$WORK/q.out" 2>&1
    local line; line=$(cat "$WORK/stat")
    local cpu=$(( ($(field user_us "$line") + $(field sys_us "$line")) ))
    [ -z "$best" ] || [ "$cpu" -lt "$best" ] && best=$cpu
  done
  echo "$best"
}
dur=$(sqlite3 "$full_db" "SELECT dur FROM run WHERE id = $rid")
lo=$((dur / 2)); hi=$((dur / 2 + dur / 100))
start_us=$(cpu_ms "SELECT 1")
scan_us=$(cpu_ms "SELECT count(*), sum(dur) FROM pscope_calls($rid)")
scan_rows=$(sqlite3 "$full_db" ".load $ext" "SELECT count(*) FROM pscope_calls($rid)")
range_us=$(cpu_ms "SELECT count(*), sum(dur) FROM pscope_calls($rid) WHERE ts BETWEEN $lo AND $hi")
range_rows=$(sqlite3 "$full_db" ".load $ext" "SELECT count(*) FROM pscope_calls($rid) WHERE ts BETWEEN $lo AND $hi")
blocks=$(sqlite3 "$full_db" "SELECT count(*) FROM call_block WHERE run_id = $rid")
range_blocks=$(sqlite3 "$full_db" "SELECT count(*) FROM call_block WHERE run_id = $rid AND ts_max >= $lo AND ts_min <= $hi")
range_decoded=$(sqlite3 "$full_db" "SELECT total(calls) FROM call_block WHERE run_id = $rid AND ts_max >= $lo AND ts_min <= $hi" | cut -d. -f1)
net() { local v=$(( $1 - start_us )); [ "$v" -gt 0 ] && echo "$v" || echo 1; }
mps() { awk -v n="$1" -v us="$2" 'BEGIN { if (us > 0) printf "%.1f", n / us; else print "n/a" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# ---- report -----------------------------------------------------------------------------
echo "## Full trace"
echo
echo "\`trace: full\` keeps every completed call in \`call_block\` (format in docs/schema.md);"
echo "measured by scripts/bench_trace.sh on $(nproc) cores, load average at the end"
echo "$(cut -d' ' -f1-3 /proc/loadavg). CPU times (user + sys) are the figures to compare on a"
echo "busy machine; wall times are best of $RUNS."
echo
echo "Block codec on the $(field calls "$c0") calls of fib($CODEC_N) (16,384-call blocks, one core, CPU time, best of 3):"
echo
echo "| encoding | bytes/call | encode M calls/s | decode M calls/s |"
echo "|---|---:|---:|---:|"
echo "| varint columns | $(field bytes_per_call "$c0") | $(field encode_mcalls_s "$c0") | $(field decode_mcalls_s "$c0") |"
echo "| + zstd level 1 (collector) | $(field bytes_per_call "$c1") | $(field encode_mcalls_s "$c1") | $(field decode_mcalls_s "$c1") |"
echo "| + zstd level 3 | $(field bytes_per_call "$c3") | $(field encode_mcalls_s "$c3") | $(field decode_mcalls_s "$c3") |"
echo
echo "End to end, fib($FIB_N) ($calls calls), best of $RUNS:"
echo
echo "| variant | CPU ms | wall ms | peak RSS MB | stored bytes/call |"
echo "|---|---:|---:|---:|---:|"
for v in base off full uftrace; do
  [ "$v" = uftrace ] && [ "$have_uftrace" = 0 ] && continue
  case $v in
    base) label="uninstrumented"; bpc="—" ;;
    off) label="pscope, trace off (aggregates + 100k rows)"; bpc="—" ;;
    full) label="pscope, trace full"; bpc=$(awk -v b="$tbytes" -v n="$calls" 'BEGIN { printf "%.2f", b / n }') ;;
    uftrace) label="uftrace record --no-libcall"; bpc=$(awk -v b="$uf_bytes" -v n="$calls" 'BEGIN { printf "%.1f", b / n }') ;;
  esac
  echo "| $label | $(e2e "$v" 2) | $(e2e "$v" 3) | $(awk -v k="$(e2e "$v" 4)" 'BEGIN { printf "%.1f", k / 1024 }') | $bpc |"
done
echo
if [ "$have_uftrace" = 1 ]; then
  echo "Full trace / uftrace record: CPU $(ratio "$(e2e full 2)" "$(e2e uftrace 2)")×, wall $(ratio "$(e2e full 3)" "$(e2e uftrace 3)")× (target ≤ 0.5×);"
  echo "RSS above the uninstrumented run: $(awk -v a="$(e2e full 4)" -v b="$(e2e base 4)" 'BEGIN { printf "%.1f", (a - b) / 1024 }') MB (target ≤ 64)."
else
  echo "uftrace not installed: no comparison."
fi
echo
echo "\`pscope_calls\` over that trace ($blocks blocks; CPU of the sqlite3 shell minus its start-up"
echo "of $((start_us / 1000)) ms, best of 3):"
echo
echo "| query | rows returned | blocks (calls) decoded | CPU ms | M decoded calls/s | M trace calls/s |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| full scan \`count(*), sum(dur)\` | $scan_rows | $blocks ($scan_rows) | $(( $(net "$scan_us") / 1000 )) | $(mps "$scan_rows" "$(net "$scan_us")") | $(mps "$scan_rows" "$(net "$scan_us")") |"
echo "| time range, 1% of the run | $range_rows | $range_blocks ($range_decoded) | $(( $(net "$range_us") / 1000 )) | $(mps "$range_decoded" "$(net "$range_us")") | $(mps "$scan_rows" "$(net "$range_us")") |"
echo
echo "\"M trace calls/s\" is the size of the whole trace over the query's time: a time-range"
echo "query decodes only the blocks whose [ts_min, ts_max] overlaps the range (the outermost"
echo "calls complete last, so the last block of a thread always overlaps), so its cost is that"
echo "of those blocks, not of the trace."
