#!/usr/bin/env bash
# scripts/bench.sh: the pscope benchmark harness behind `make bench` (never part of
# `make test`). Builds its own instrumented benchmark programs (bench/*.c), measures the
# collector against the uninstrumented baseline and against `uftrace record`, times the
# analysis tools against `uftrace report/graph`, and rewrites BENCHMARKS.md with every
# figure computed from the runs (nothing is typed in; what does not exist yet is reported
# as "not available").
#
# Method: per program, the variants (baseline, pscope-run, linked, uftrace, unlimited) are
# run interleaved — one warm-up round, then BENCH_RUNS rounds (default 5) — and reported as
# median and min–max. Wall time, CPU time and peak RSS come from bench/runstat (fork/exec/
# wait4 around the program only). Everything runs in a temporary directory (no
# .pscope.yaml above it), removed at the end unless BENCH_KEEP=1.
#
# Environment:
#   BUILD_DIR        build directory with lib/libpscope.so, bin/pscope-* and samples/
#                    (default: $B if set, else build), relative to the repository root
#   BENCH_RUNS       measured rounds per group (default 5, minimum 5 unless BENCH_QUICK=1)
#   BENCH_OUT        report path (default: BENCHMARKS.md in the repository root)
#   BENCH_SENSOR_ARGS  arguments of build/samples/sensor_pipeline (default: 100000)
#   BENCH_FIB_N      fib argument (default 32); BENCH_CALLS_ITER calls.c iterations (2500000)
#   BENCH_THREADS_ITER  loop iterations per thread of bench/threads.c (default 1000000)
#   BENCH_PATHS_DEPTH   depth of bench/paths.c (default 16: 262,143 distinct call paths)
#   BENCH_SAMPLER_ENV / BENCH_SAMPLER_ON / BENCH_SAMPLER_OFF: environment variable and
#                    values that set the sampler interval (default PSCOPE_SAMPLE_INTERVAL,
#                    10ms, 0)
#   BENCH_PERF=0     skip the perf profile of the collector
#   BENCH_KEEP=1     keep the temporary directory (printed at the end)
#   BENCH_NO_MAKE=1  do not run `make all` first when called outside make
# Exit status: 0 when the report was written (missed targets are not an error), 1 when the
# harness itself could not run (no compiler, bench programs failed to build).
set -u
set -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
BUILD_DIR=${BUILD_DIR:-${B:-build}}
case $BUILD_DIR in /*) BDIR=$BUILD_DIR ;; *) BDIR=$ROOT/$BUILD_DIR ;; esac
RUNS=${BENCH_RUNS:-5}
if [ "${BENCH_QUICK:-0}" != 1 ] && [ "$RUNS" -lt 5 ]; then RUNS=5; fi
OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
FIB_N=${BENCH_FIB_N:-32}
CALLS_ITER=${BENCH_CALLS_ITER:-2500000}
THREADS_ITER=${BENCH_THREADS_ITER:-1000000}
PATHS_DEPTH=${BENCH_PATHS_DEPTH:-16}
read -r -a SENSOR_ARGS <<<"${BENCH_SENSOR_ARGS:-100000}"
SAMPLER_ENV=${BENCH_SAMPLER_ENV:-PSCOPE_SAMPLE_INTERVAL}
SAMPLER_ON=${BENCH_SAMPLER_ON:-10ms}
SAMPLER_OFF=${BENCH_SAMPLER_OFF:-0}
CC=${CC:-cc}
T_START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)

log() { printf 'bench: %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pscope-bench.XXXXXX") || exit 1
cleanup() {
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK/res" "$WORK/log" "$WORK/out" "$WORK/cwd"
NOTES=$WORK/notes.md      # free-form notes (unavailable features, failures)
CMDS=$WORK/commands.txt   # every command used, in order of first use
: >"$NOTES"
: >"$CMDS"

note() { printf -- '- %s\n' "$*" >>"$NOTES"; }

# Display form of a path or command: temporary dir as $TMP, repository root as '.'.
show() {
  local s=$*
  s=${s//$WORK/\$TMP}
  s=${s//$ROOT\//}
  s=${s//$ROOT/.}
  printf '%s' "$s"
}

# shq WORD...: the words joined by spaces, single-quoted where the shell needs it.
shq() {
  local w sep="" q="'"
  for w in "$@"; do
    if [[ -n $w && $w != *[!A-Za-z0-9_./=:,@%+-]* ]]; then printf '%s%s' "$sep" "$w"
    else printf "%s'%s'" "$sep" "${w//$q/$q\\$q$q}"; fi
    sep=" "
  done
}

# record_cmd KEY WORD...: remember the command of KEY (first use only) for the report.
declare -A CMD_SEEN=()
record_cmd() {
  local key=$1
  shift
  [ -n "${CMD_SEEN[$key]:-}" ] && return 0
  CMD_SEEN[$key]=1
  local line=""
  while [ $# -gt 0 ] && [ "$1" = env ]; do shift; done
  [ $# -gt 0 ] && line=$(shq "$@")
  printf '%s\t%s\n' "$key" "$(show "$line")" >>"$CMDS"
}

# ---- tools the harness needs ----------------------------------------------------------

# ensure_pkg CMD PKG: make CMD available, installing Debian package PKG when root.
ensure_pkg() {
  have "$1" && return 0
  if [ "$(id -u)" -eq 0 ] && have apt-get; then
    log "installing $2"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "$2" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$2" >/dev/null 2>&1; }
  fi
  have "$1"
}

have "$CC" || { log "no C compiler ($CC)"; exit 1; }
HAVE_UFTRACE=0
if ensure_pkg uftrace uftrace; then HAVE_UFTRACE=1; else
  note "uftrace not installed and could not be installed (not root or apt-get failed): uftrace rows are not available"
fi
HAVE_SQLITE=0
if ensure_pkg sqlite3 sqlite3; then HAVE_SQLITE=1; else
  note "sqlite3 CLI missing: run-row figures (calls seen/stored) are not available"
fi

# ---- build ------------------------------------------------------------------------------

if [ -z "${MAKELEVEL:-}" ] && [ "${BENCH_NO_MAKE:-0}" != 1 ]; then
  log "make B=$BUILD_DIR all"
  make -C "$ROOT" B="$BUILD_DIR" all >"$WORK/log/make.log" 2>&1 ||
    note "\`make B=$BUILD_DIR all\` failed; measured what exists (last lines: $(tail -n 3 "$WORK/log/make.log" | tr '\n' ' ' | cut -c1-300))"
fi

LIBDIR=$BDIR/lib
LIBSO=$LIBDIR/libpscope.so
PSCOPE_RUN=$BDIR/bin/pscope-run
PSCOPE_STATS=$BDIR/bin/pscope-stats
PSCOPE_DIFF=$BDIR/bin/pscope-diff
PSCOPE_HTML=$BDIR/bin/pscope-html
SENSOR=$BDIR/samples/sensor_pipeline
BB=$BDIR/bench
mkdir -p "$BB"

HAVE_LIB=0
[ -f "$LIBSO" ] && HAVE_LIB=1
HAVE_RUN=0
[ -x "$PSCOPE_RUN" ] && [ $HAVE_LIB = 1 ] && HAVE_RUN=1
[ $HAVE_LIB = 1 ] || note "collector not built yet ($(show "$LIBSO") missing): pscope rows are not available"
[ -x "$PSCOPE_RUN" ] || note "pscope-run not built yet: pscope-run rows are not available"

BASE_CFLAGS=(-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror)
INSTR_CFLAGS=("${BASE_CFLAGS[@]}" -finstrument-functions -fno-optimize-sibling-calls)
LINK_PSCOPE=(-L "$LIBDIR" "-Wl,-rpath,$LIBDIR" -lpscope)

# build OUT WORD...: compile, logging the command; returns the compiler's status.
build() {
  local out=$1
  shift
  record_cmd "build $(basename "$out")" "$CC" "$@" -o "$out"
  "$CC" "$@" -o "$out" 2>"$WORK/log/build.$(basename "$out").err"
}

log "building bench programs in $(show "$BB")"
build "$BB/runstat" "${BASE_CFLAGS[@]}" bench/runstat.c || { log "runstat failed to build"; exit 1; }
for p in fib calls idle; do
  build "$BB/$p" "${INSTR_CFLAGS[@]}" "bench/$p.c" || { log "bench/$p.c failed to build"; exit 1; }
done
for p in threads paths; do
  build "$BB/$p" "${INSTR_CFLAGS[@]}" "bench/$p.c" -lpthread || { log "bench/$p.c failed to build"; exit 1; }
done
HAVE_LINKED=0
if [ $HAVE_LIB = 1 ]; then
  HAVE_LINKED=1
  for p in fib calls idle; do
    build "$BB/$p-linked" "${INSTR_CFLAGS[@]}" "bench/$p.c" "${LINK_PSCOPE[@]}" ||
      { HAVE_LINKED=0; note "linking bench/$p.c with -lpscope failed: $(head -c 300 "$WORK/log/build.$p-linked.err")"; }
  done
fi
HAVE_STAGE=0
if [ $HAVE_LIB = 1 ]; then
  if build "$BB/stage_cost" "${INSTR_CFLAGS[@]}" -I libcollect bench/stage_cost.c "${LINK_PSCOPE[@]}"; then
    HAVE_STAGE=1
  else
    note "bench/stage_cost.c did not link against libpscope (stage API not there yet?): $(grep -m1 -o 'undefined reference to `[^'"'"']*' "$WORK/log/build.stage_cost.err" || head -c 200 "$WORK/log/build.stage_cost.err")"
  fi
fi
RUNSTAT=$BB/runstat
HAVE_FLOORS=0
build "$BB/floors" "${BASE_CFLAGS[@]}" bench/floors.c -lsqlite3 && HAVE_FLOORS=1

# ---- running and recording --------------------------------------------------------------

# Result files: $WORK/res/GROUP.VARIANT, one line per measured run:
#   1 round  2 wall_ns  3 user_us  4 sys_us  5 maxrss_kb  6 status  7 bytes
#   8 calls_seen  9 calls_stored  10 cpu_us  11 extra
C_WALL=2 C_RSS=5 C_BYTES=7 C_SEEN=8 C_STORED=9 C_CPU=10 C_EXTRA=11

CMD=()      # command of the variant being run
ENVV=()     # NAME=VALUE assignments for it
OUTPATH=""  # database file or uftrace directory it writes ('' for none)
OUTKIND=""  # db | uftrace | ''
OKSTAT=0    # highest exit status still counted as success (pscope-diff: 1)
EXTRA_SQL=""  # query whose single value goes to column 11 (db variants)

# sqlite_val DB SQL: print one value, or nothing on error.
sqlite_val() {
  [ $HAVE_SQLITE = 1 ] || return 0
  sqlite3 -readonly -batch -noheader "$1" "$2" 2>/dev/null | head -n 1
}

# run_one GROUP VARIANT ROUND RECORD: run the variant set up in CMD/ENVV once; when
# RECORD is 1, append its figures to $WORK/res/GROUP.VARIANT. Failures are noted once.
run_one() {
  local g=$1 v=$2 r=$3 rec=$4
  local id=$g.$v base=$WORK/log/$g.$v.$r
  record_cmd "$id" env "${ENVV[@]}" "${CMD[@]}"
  if [ -n "$OUTPATH" ]; then rm -rf "$OUTPATH" "$OUTPATH-wal" "$OUTPATH-shm" "$OUTPATH-journal"; fi
  (cd "$WORK/cwd" && env "${ENVV[@]}" "$RUNSTAT" -o "$base.rs" -- "${CMD[@]}" >"$base.out" 2>"$base.err")
  local wall user sys rss status
  if ! read -r wall user sys rss status < <(sed -e 's/[a-z_]*=//g' "$base.rs" 2>/dev/null); then
    wall=0 user=0 sys=0 rss=0 status=255
  fi
  if [ "$status" -le "$OKSTAT" ]; then status=0; fi
  if [ "$status" != 0 ] && [ ! -e "$WORK/res/$id.failed" ]; then
    : >"$WORK/res/$id.failed"
    note "$id failed with status $status: $(tail -n 2 "$base.err" | tr '\n' ' ' | cut -c1-300)"
  fi
  local bytes=NA seen=NA stored=NA extra=NA
  if [ "$OUTKIND" = db ] && [ -f "$OUTPATH" ]; then
    bytes=0
    local f
    for f in "$OUTPATH" "$OUTPATH-wal"; do
      [ -f "$f" ] && bytes=$((bytes + $(stat -c %s "$f")))
    done
    seen=$(sqlite_val "$OUTPATH" "SELECT calls_seen FROM run ORDER BY id DESC LIMIT 1")
    stored=$(sqlite_val "$OUTPATH" "SELECT calls_stored FROM run ORDER BY id DESC LIMIT 1")
    [ -n "$EXTRA_SQL" ] && extra=$(sqlite_val "$OUTPATH" "$EXTRA_SQL")
    seen=${seen:-NA} stored=${stored:-NA} extra=${extra:-NA}
  elif [ "$OUTKIND" = uftrace ] && [ -d "$OUTPATH" ]; then
    bytes=$(du -sb "$OUTPATH" | cut -f1)
  fi
  if [ "$rec" = 1 ]; then
    printf '%s %s %s %s %s %s %s %s %s %s %s\n' "$r" "$wall" "$user" "$sys" "$rss" "$status" \
      "$bytes" "$seen" "$stored" "$((user + sys))" "$extra" >>"$WORK/res/$id"
  fi
  return 0
}

# stats FILE COLUMN: "median min max n" over the successful runs, or "NA NA NA 0".
stats() {
  if [ ! -s "$1" ]; then echo "NA NA NA 0"; return; fi
  awk -v c="$2" '$6 == 0 && $c != "NA" { print $c }' "$1" | sort -g |
    awk '{ a[NR] = $1 } END {
      if (NR == 0) { print "NA NA NA 0"; exit }
      m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
      printf "%.17g %s %s %d\n", m, a[1], a[NR], NR }'
}
med() { local m _r; read -r m _r < <(stats "$1" "$2"); echo "$m"; }

# Number formatting; every helper prints "n/a" for NA input.
fmt_time() { # ns -> automatic unit
  awk -v x="$1" 'BEGIN { if (x == "NA" || x == "") { print "n/a"; exit }
    a = x < 0 ? -x : x
    if (a >= 1e9) printf "%.3f s", x / 1e9; else if (a >= 1e6) printf "%.1f ms", x / 1e6;
    else if (a >= 1e3) printf "%.1f µs", x / 1e3; else printf "%.1f ns", x }'
}
fmt_range() { echo "$(fmt_time "$1") – $(fmt_time "$2")"; }
fmt_num() { # value decimals
  awk -v x="$1" -v d="$2" 'BEGIN { if (x == "NA" || x == "") print "n/a"; else printf "%.*f", d, x }'
}
fmt_bytes() {
  awk -v x="$1" 'BEGIN { if (x == "NA" || x == "") { print "n/a"; exit }
    if (x >= 1048576) printf "%.1f MiB", x / 1048576; else if (x >= 1024) printf "%.1f KiB", x / 1024;
    else printf "%d B", x }'
}
# calc EXPR-NAME A B [C]: the few derived figures, computed in awk from -v values.
calc() {
  awk -v op="$1" -v a="${2:-NA}" -v b="${3:-NA}" -v c="${4:-NA}" 'BEGIN {
    if (a == "NA" || b == "NA" || a == "" || b == "") { print "NA"; exit }
    if (op == "percall") { if (c == "NA" || c == 0) { print "NA"; exit } printf "%.17g", (a - b) / c }
    else if (op == "div") { if (b == 0) { print "NA"; exit } printf "%.17g", a / b }
    else if (op == "sub") printf "%.17g", a - b
    else if (op == "rate") { if (b == 0) { print "NA"; exit } printf "%.17g", a / (b / 1e9) }
    else print "NA" }'
}
# verdict VALUE le|ge TARGET: met / missed / n/a
verdict() {
  awk -v x="$1" -v op="$2" -v t="$3" 'BEGIN { if (x == "NA" || x == "") { print "n/a"; exit }
    ok = (op == "le") ? (x <= t) : (x >= t); print ok ? "**met**" : "**missed**" }'
}

# ---- variants -----------------------------------------------------------------------------

# setup GROUP VARIANT ROUND: set CMD, ENVV, OUTPATH, OUTKIND, OKSTAT, EXTRA_SQL. Returns 1
# when the variant cannot run (tool missing). Output paths alternate between two slots so
# the last two runs of each variant stay for the analysis timings.
declare -A PROG_BIN=() PROG_LINKED=() PROG_ARGS_STR=()
setup() {
  local g=$1 v=$2 r=$3
  local slot=$((r % 2))
  local bin=${PROG_BIN[$g]} linked=${PROG_LINKED[$g]:-}
  local -a args=()
  [ -n "${PROG_ARGS_STR[$g]:-}" ] && read -r -a args <<<"${PROG_ARGS_STR[$g]}"
  CMD=() ENVV=() OUTPATH="" OUTKIND="" OKSTAT=0 EXTRA_SQL=""
  case $v in
    base) CMD=("$bin" "${args[@]}") ;;
    run)
      [ $HAVE_RUN = 1 ] || return 1
      OUTPATH=$WORK/out/$g.run.$slot.db OUTKIND=db
      CMD=("$PSCOPE_RUN" -o "$OUTPATH" -- "$bin" "${args[@]}") ;;
    linked)
      [ -n "$linked" ] || return 1
      OUTPATH=$WORK/out/$g.linked.$slot.db OUTKIND=db
      ENVV=("PSCOPE_OUTPUT=$OUTPATH")
      CMD=("$linked" "${args[@]}") ;;
    unlimited)
      OUTPATH=$WORK/out/$g.unlimited.$slot.db OUTKIND=db
      pscope_cmd "$bin" "$linked" PSCOPE_MAX_CALLS=0 -- "${args[@]}" || return 1 ;;
    uftrace)
      [ $HAVE_UFTRACE = 1 ] || return 1
      OUTPATH=$WORK/out/$g.uftrace.$slot OUTKIND=uftrace
      CMD=(uftrace record --no-libcall -d "$OUTPATH" "$bin" "${args[@]}") ;;
    sampler_on | sampler_off)
      OUTPATH=$WORK/out/$g.$v.db OUTKIND=db
      EXTRA_SQL="SELECT count(*) FROM resource_sample WHERE run_id = (SELECT max(id) FROM run)"
      local val=$SAMPLER_OFF
      [ "$v" = sampler_on ] && val=$SAMPLER_ON
      pscope_cmd "$bin" "$linked" "$SAMPLER_ENV=$val" -- "${args[@]}" || return 1 ;;
    *) return 1 ;;
  esac
  return 0
}

# pscope_cmd BIN LINKED [NAME=VALUE...] -- ARGS...: set CMD/ENVV to profile into OUTPATH
# with the given collector settings: through pscope-run when it exists, else by running
# the -lpscope build LINKED with PSCOPE_OUTPUT. Returns 1 when neither is possible.
pscope_cmd() {
  local bin=$1 linked=$2
  shift 2
  ENVV=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do ENVV+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  if [ $HAVE_RUN = 1 ]; then
    CMD=("$PSCOPE_RUN" -o "$OUTPATH" -- "$bin" "$@")
  elif [ -n "$linked" ]; then
    ENVV+=("PSCOPE_OUTPUT=$OUTPATH")
    CMD=("$linked" "$@")
  else
    return 1
  fi
  return 0
}

# dflt GROUP: the default-budget variant measured for GROUP (run, else linked).
dflt() { if [ -s "$WORK/res/$1.run" ]; then echo run; else echo linked; fi; }

# measure GROUP VARIANT...: a warm-up round then RUNS rounds, variants interleaved.
measure() {
  local g=$1
  shift
  local -a vs=()
  local v r
  for v in "$@"; do
    if setup "$g" "$v" 0; then vs+=("$v"); else : >"$WORK/res/$g.$v.na"; fi
  done
  log "$g: ${vs[*]} (1 warm-up + $RUNS rounds)"
  for ((r = 0; r <= RUNS; r++)); do
    for v in "${vs[@]}"; do
      setup "$g" "$v" "$r"
      run_one "$g" "$v" "$r" $((r > 0 ? 1 : 0))
    done
  done
}

# expected_calls GROUP: the program's own call count (its "calls=" line, warm-up run).
expected_calls() {
  local f=$WORK/log/$1.base.0.out
  [ -f "$f" ] && sed -n 's/^calls=//p' "$f" | head -n 1
}

# ---- group 1-5: collector overhead, size, ingest, RSS ----------------------------------

PROG_BIN[fib]=$BB/fib
PROG_ARGS_STR[fib]=$FIB_N
PROG_BIN[calls]=$BB/calls
PROG_ARGS_STR[calls]=$CALLS_ITER
if [ $HAVE_LINKED = 1 ]; then
  PROG_LINKED[fib]=$BB/fib-linked
  PROG_LINKED[calls]=$BB/calls-linked
fi
PROGRAMS=(fib calls)
if [ -x "$SENSOR" ]; then
  PROG_BIN[sensor]=$SENSOR
  PROG_LINKED[sensor]=$SENSOR   # samples link -lpscope: the same binary with PSCOPE_OUTPUT
  PROG_ARGS_STR[sensor]="${SENSOR_ARGS[*]}"
  PROGRAMS+=(sensor)
else
  note "$(show "$SENSOR") not built yet: sensor_pipeline rows are not available"
fi
declare -A PROG_TITLE=([fib]="fib($FIB_N)" [calls]="calls ($CALLS_ITER × 4)"
  [sensor]="sensor_pipeline ${SENSOR_ARGS[*]}")

PROG_BIN[fixed]=$BB/fib
PROG_ARGS_STR[fixed]=1
[ $HAVE_LINKED = 1 ] && PROG_LINKED[fixed]=$BB/fib-linked
measure fixed base run linked uftrace
measure fib base run linked uftrace unlimited
measure calls base run linked uftrace
[ -x "$SENSOR" ] && measure sensor base run linked uftrace unlimited

# calls of GROUP: the program's own count, else pscope's calls_seen (sensor_pipeline).
declare -A CALLS=()
for g in "${PROGRAMS[@]}"; do
  c=$(expected_calls "$g")
  [ -z "$c" ] && c=$(med "$WORK/res/$g.run" $C_SEEN)
  CALLS[$g]=${c:-NA}
done

REPORT=$WORK/report.md
SUMMARY=$WORK/summary.md
: >"$REPORT"
: >"$SUMMARY"
out() { printf '%s\n' "$*" >>"$REPORT"; }
# summ TARGET WHAT MEASURED RESULT: one row of the summary table at the top.
summ() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" >>"$SUMMARY"; }

declare -A VAR_TITLE=([base]="baseline (glibc no-op hooks)" [run]="pscope-run (LD_PRELOAD)"
  [linked]="linked -lpscope" [uftrace]="uftrace record" [unlimited]="unlimited (max_calls 0)"
  [sampler_on]="sampler $SAMPLER_ON" [sampler_off]="sampler off")
# availability text for a variant that produced no successful run
na_text() {
  local id=$1
  if [ -e "$WORK/res/$id.na" ]; then echo "not available"; elif [ -e "$WORK/res/$id.failed" ]; then echo "failed"; else echo "n/a"; fi
}

out "## 1. Hot path: overhead per call (target ≤ 35 ns/call)"
out ""
out "Overhead = (median wall of the variant − median wall of the baseline) / calls; the range"
out "uses the variant's fastest and slowest run. CPU = user + sys of all threads (the writer"
out "and sampler threads run beside the program, so CPU > wall means they used a second core)."
out "For sensor_pipeline the baseline is the sample itself with libpscope linked but profiling"
out "off (samples always link -lpscope for the stage API)."
out ""
out "CPU ns/call = (median CPU of the variant − median CPU of the baseline) / calls: the total"
out "CPU the profiler spends per call on all threads; less sensitive to other load on the"
out "machine than wall time."
out ""
out "| program | calls | variant | wall median | wall min – max | CPU median | overhead ns/call (min – max) | CPU ns/call | target | result |"
out "|---|---:|---|---:|---:|---:|---:|---:|---:|---|"
for g in "${PROGRAMS[@]}"; do
  bm=$(med "$WORK/res/$g.base" $C_WALL)
  bc=$(med "$WORK/res/$g.base" $C_CPU)
  for v in base run linked uftrace unlimited; do
    f=$WORK/res/$g.$v
    [ -e "$f" ] || [ -e "$f.na" ] || [ -e "$f.failed" ] || continue
    read -r m lo hi n < <(stats "$f" $C_WALL)
    cpu=$(med "$f" $C_CPU)
    if [ "$n" = 0 ]; then
      out "| ${PROG_TITLE[$g]} | ${CALLS[$g]} | ${VAR_TITLE[$v]} | $(na_text "$g.$v") | | | | | | |"
      continue
    fi
    if [ "$v" = base ]; then
      out "| ${PROG_TITLE[$g]} | ${CALLS[$g]} | ${VAR_TITLE[$v]} | $(fmt_time "$m") | $(fmt_range "$lo" "$hi") | $(fmt_time "$(calc div "$cpu" 0.001)") | — | — | | |"
      continue
    fi
    o=$(calc percall "$m" "$bm" "${CALLS[$g]}")
    olo=$(calc percall "$lo" "$bm" "${CALLS[$g]}")
    ohi=$(calc percall "$hi" "$bm" "${CALLS[$g]}")
    case $v in
      run | linked) tgt="≤ 35"; res=$(verdict "$o" le 35) ;;
      *) tgt="(reference)"; res="" ;;
    esac
    [ "$v" = "$(dflt "$g")" ] && summ "hot path ≤ 35 ns/call" "${PROG_TITLE[$g]}, ${VAR_TITLE[$v]}" "$(fmt_num "$o" 1) ns/call" "$res"
    out "| ${PROG_TITLE[$g]} | ${CALLS[$g]} | ${VAR_TITLE[$v]} | $(fmt_time "$m") | $(fmt_range "$lo" "$hi") | $(fmt_time "$(calc div "$cpu" 0.001)") | $(fmt_num "$o" 1) ($(fmt_num "$olo" 1) – $(fmt_num "$ohi" 1)) | $(fmt_num "$(calc percall "$cpu" "$bc" "$(calc div "${CALLS[$g]}" 1000)")" 1) | $tgt | $res |"
  done
done
out ""

out "### Fixed cost per run"
out ""
out "\`fib 1\` (2 calls): what a profiled run costs regardless of its calls (collector start,"
out "schema, clock calibration, symbol resolution, final commit). Part of every figure above."
out ""
out "| variant | wall median | min – max | added vs baseline |"
out "|---|---:|---:|---:|"
fb=$(med "$WORK/res/fixed.base" $C_WALL)
for v in base run linked uftrace; do
  f=$WORK/res/fixed.$v
  read -r m lo hi n < <(stats "$f" $C_WALL)
  if [ "$n" = 0 ]; then out "| ${VAR_TITLE[$v]} | $(na_text "fixed.$v") | | |"; continue; fi
  add="—"
  [ "$v" != base ] && add=$(fmt_time "$(calc sub "$m" "$fb")")
  out "| ${VAR_TITLE[$v]} | $(fmt_time "$m") | $(fmt_range "$lo" "$hi") | $add |"
done
out ""

out "## 2. End to end against \`uftrace record\` (target ≤ 0.4×)"
out ""
out "Ratio = median wall of the pscope variant / median wall of \`uftrace record --no-libcall\` of the"
out "same binary. \`--no-libcall\` makes uftrace record the same set of functions as pscope (the"
out "instrumented ones): by default it also traces every PLT call into shared libraries (libm's"
out "sincos/log, the stage API), which would inflate its time and make the comparison unfair"
out "in pscope's favour."
out ""
out "Floor = median wall of the uninstrumented baseline / uftrace: the ratio a profiler with"
out "zero overhead would reach. Where the program's own work dominates (sensor_pipeline), the"
out "floor itself is above 0.4× and the target cannot be met by any collector."
out ""
out "| program | variant | pscope median | uftrace record median | ratio | floor | target | result |"
out "|---|---|---:|---:|---:|---:|---:|---|"
for g in "${PROGRAMS[@]}"; do
  um=$(med "$WORK/res/$g.uftrace" $C_WALL)
  floor=$(calc div "$(med "$WORK/res/$g.base" $C_WALL)" "$um")
  for v in run linked unlimited; do
    f=$WORK/res/$g.$v
    [ -e "$f" ] || [ -e "$f.na" ] || [ -e "$f.failed" ] || continue
    pm=$(med "$f" $C_WALL)
    ratio=$(calc div "$pm" "$um")
    if [ "$v" = unlimited ]; then tgt="(informative)"; res=""; else tgt="≤ 0.40×"; res=$(verdict "$ratio" le 0.4); fi
    [ "$um" = NA ] && res="n/a (uftrace $(na_text "$g.uftrace"))"
    [ "$v" = "$(dflt "$g")" ] && summ "end to end ≤ 0.4× uftrace record" "${PROG_TITLE[$g]}, ${VAR_TITLE[$v]}" "$(fmt_num "$ratio" 3)×" "$res"
    out "| ${PROG_TITLE[$g]} | ${VAR_TITLE[$v]} | $(fmt_time "$pm") | $(fmt_time "$um") | $(fmt_num "$ratio" 3)× | $(fmt_num "$floor" 3)× | $tgt | $res |"
  done
done
out ""

out "## 3. Stored bytes per call (target ≤ 4 B/call with the default budget)"
out ""
out "Bytes = database file plus WAL after the run (uftrace: size of its data directory);"
out "calls seen/stored from the \`run\` row; B/call = bytes / calls seen (uftrace: / the"
out "program's own call count). \"expected\" is the count the program computes itself."
out ""
out "| program | mode | expected calls | calls seen | calls stored | bytes | B/call | target | result |"
out "|---|---|---:|---:|---:|---:|---:|---:|---|"
for g in "${PROGRAMS[@]}"; do
  for v in run linked unlimited uftrace; do
    f=$WORK/res/$g.$v
    [ -e "$f" ] || [ -e "$f.na" ] || [ -e "$f.failed" ] || continue
    bytes=$(med "$f" $C_BYTES)
    seen=$(med "$f" $C_SEEN)
    stored=$(med "$f" $C_STORED)
    den=$seen
    [ "$v" = uftrace ] && den=${CALLS[$g]}
    bpc=$(calc div "$bytes" "$den")
    case $v in
      run | linked) tgt="≤ 4"; res=$(verdict "$bpc" le 4) ;;
      *) tgt="(reference)"; res="" ;;
    esac
    [ -s "$f" ] || res=$(na_text "$g.$v")
    [ "$v" = "$(dflt "$g")" ] && summ "≤ 4 B/call, default budget" "${PROG_TITLE[$g]}, ${VAR_TITLE[$v]}" "$(fmt_num "$bpc" 2) B/call" "$res"
    if [ "$v" = uftrace ]; then seen="—" stored="—"; else seen=$(fmt_num "$seen" 0) stored=$(fmt_num "$stored" 0); fi
    out "| ${PROG_TITLE[$g]} | ${VAR_TITLE[$v]} | $(c=$(expected_calls "$g"); echo "${c:-—}") | $seen | $stored | $(fmt_bytes "$bytes") | $(fmt_num "$bpc" 2) | $tgt | $res |"
  done
done
out ""

out "## 4. Raw-row ingest, unlimited mode (\`PSCOPE_MAX_CALLS=0\`; target ≥ 2 M rows/s)"
out ""
out "Rate = calls stored / median wall of the whole unlimited run (conservative: includes the"
out "program itself). Cost per extra row = (unlimited − default-budget median wall) / (rows"
out "stored unlimited − rows stored with the default budget)."
out ""
out "| program | calls stored | all stored? | wall median | rows/s | extra cost per stored row | target | result |"
out "|---|---:|---|---:|---:|---:|---:|---|"
for g in "${PROGRAMS[@]}"; do
  f=$WORK/res/$g.unlimited
  [ -e "$f" ] || [ -e "$f.na" ] || [ -e "$f.failed" ] || continue
  read -r m _ _ n < <(stats "$f" $C_WALL)
  if [ "$n" = 0 ]; then out "| ${PROG_TITLE[$g]} | $(na_text "$g.unlimited") | | | | | ≥ 2 M | n/a |"; continue; fi
  stored=$(med "$f" $C_STORED)
  seen=$(med "$f" $C_SEEN)
  all="n/a"
  [ "$stored" != NA ] && [ "$seen" != NA ] && { if [ "$stored" = "$seen" ]; then all=yes; else all="no ($seen seen)"; fi; }
  rate=$(calc rate "$stored" "$m")
  dm=$(med "$WORK/res/$g.$(dflt "$g")" $C_WALL)
  ds=$(med "$WORK/res/$g.$(dflt "$g")" $C_STORED)
  per=$(calc percall "$m" "$dm" "$(calc sub "$stored" "$ds")")
  out "| ${PROG_TITLE[$g]} | $(fmt_num "$stored" 0) | $all | $(fmt_time "$m") | $(fmt_num "$(calc div "$rate" 1e6)" 2) M | $(fmt_time "$per") | ≥ 2 M | $(verdict "$rate" ge 2000000) |"
  summ "unlimited ingest ≥ 2 M rows/s" "${PROG_TITLE[$g]}" "$(fmt_num "$(calc div "$rate" 1e6)" 2) M rows/s" "$(verdict "$rate" ge 2000000)"
done
out ""

out "## 5. Peak RSS"
out ""
out "Peak RSS (ru_maxrss of the program and its children); added = variant − baseline median."
out ""
out "| program | variant | peak RSS median | min – max | added vs baseline |"
out "|---|---|---:|---:|---:|"
for g in "${PROGRAMS[@]}"; do
  bmr=$(med "$WORK/res/$g.base" $C_RSS)
  for v in base run linked unlimited uftrace; do
    f=$WORK/res/$g.$v
    [ -s "$f" ] || continue
    read -r m lo hi _ < <(stats "$f" $C_RSS)
    add="—"
    [ "$v" != base ] && add=$(fmt_bytes "$(calc div "$(calc sub "$m" "$bmr")" 0.0009765625)")
    out "| ${PROG_TITLE[$g]} | ${VAR_TITLE[$v]} | $(fmt_bytes "$(calc div "$m" 0.0009765625)") | $(fmt_bytes "$(calc div "$lo" 0.0009765625)") – $(fmt_bytes "$(calc div "$hi" 0.0009765625)") | $add |"
  done
done
out ""

# ---- group 6: analysis tools ---------------------------------------------------------------

# add_ana KEY OKSTAT WORD...: register an analysis command to time (the caller runs a
# warm-up and RUNS rounds, interleaved); its words are kept \x1f-separated in ANA_CMD.
ANA_KEYS=()
declare -A ANA_CMD=() ANA_OK=()
add_ana() {
  local key=$1 okstat=$2
  shift 2
  ANA_KEYS+=("$key")
  ANA_CMD[$key]=$(printf '%s\x1f' "$@")
  ANA_OK[$key]=$okstat
}
DV=$(dflt fib)
DBA=$WORK/out/fib.$DV.0.db DBB=$WORK/out/fib.$DV.1.db
DBU=$WORK/out/fib.unlimited.0.db
UFA=$WORK/out/fib.uftrace.0 UFB=$WORK/out/fib.uftrace.1
HAVE_DBS=0
[ -f "$DBA" ] && [ -f "$DBB" ] && HAVE_DBS=1
if [ $HAVE_DBS = 1 ]; then
  [ -x "$PSCOPE_STATS" ] && add_ana stats 0 "$PSCOPE_STATS" "$DBA"
  [ -x "$PSCOPE_STATS" ] && add_ana tree 0 "$PSCOPE_STATS" --tree "$DBA"
  [ -x "$PSCOPE_DIFF" ] && add_ana diff 1 "$PSCOPE_DIFF" "$DBA" "$DBB"
  [ -x "$PSCOPE_HTML" ] && add_ana html 0 "$PSCOPE_HTML" -o "$WORK/out/report.html" "$DBA"
  [ -x "$PSCOPE_STATS" ] && [ -f "$DBU" ] && add_ana stats_unl 0 "$PSCOPE_STATS" "$DBU"
  [ -x "$PSCOPE_STATS" ] && [ -f "$DBU" ] && add_ana tree_unl 0 "$PSCOPE_STATS" --tree "$DBU"
fi
if [ $HAVE_UFTRACE = 1 ] && [ -d "$UFA" ] && [ -d "$UFB" ]; then
  add_ana uf_report 0 uftrace report -d "$UFA"
  add_ana uf_graph 0 uftrace graph -d "$UFA"
  add_ana uf_diff 0 uftrace report -d "$UFA" --diff "$UFB"
fi
if [ ${#ANA_KEYS[@]} -gt 0 ]; then
  log "analysis: ${ANA_KEYS[*]} (1 warm-up + $RUNS rounds)"
  for ((r = 0; r <= RUNS; r++)); do
    for k in "${ANA_KEYS[@]}"; do
      IFS=$'\x1f' read -r -a CMD <<<"${ANA_CMD[$k]}"
      ENVV=() OUTPATH="" OUTKIND="" OKSTAT=${ANA_OK[$k]} EXTRA_SQL=""
      run_one ana "$k" "$r" $((r > 0 ? 1 : 0))
    done
  done
fi

out "## 6. Analysis on the fib($FIB_N) data, next to uftrace"
out ""
out "pscope tools read the default-budget database of one run of fib (${VAR_TITLE[$DV]}); \`diff\`"
out "compares two such runs. uftrace reads the \`uftrace record\` data of the same program. Output goes"
out "to /dev/null (the tools format everything as they would for a terminal pipe)."
out ""
out "| task | pscope | median | min – max | target | result | uftrace | median | pscope / uftrace |"
out "|---|---|---:|---:|---:|---|---|---:|---:|"
# ana_row TITLE KEY TARGET_S UFKEY UFTITLE
ana_row() {
  local title=$1 key=$2 tgt=$3 ufkey=$4 uftitle=$5
  local m lo hi n pcell rcell um ucell ratio
  if [ -n "$key" ] && [ -n "${ANA_CMD[$key]:-}" ]; then
    read -r m lo hi n < <(stats "$WORK/res/ana.$key" $C_WALL)
    if [ "$n" = 0 ]; then pcell="failed | |"; rcell="n/a"; else
      pcell="$(fmt_time "$m") | $(fmt_range "$lo" "$hi")"
      if [ -n "$tgt" ]; then rcell=$(verdict "$(calc div "$m" 1e9)" le "$tgt"); else rcell=""; fi
    fi
  else
    m=NA pcell="not available | |" rcell="not available"
  fi
  um=NA ucell="—"
  if [ -n "$ufkey" ]; then
    um=$(med "$WORK/res/ana.$ufkey" $C_WALL)
    if [ -n "${ANA_CMD[$ufkey]:-}" ]; then ucell=$(fmt_time "$um"); else ucell="not available"; fi
  fi
  ratio=$(calc div "$m" "$um")
  local tcell="—"
  [ -n "$tgt" ] && tcell="≤ $tgt s"
  out "| $title | $pcell | $tcell | $rcell | $uftitle | $ucell | $(fmt_num "$ratio" 3) |"
  [ -n "$tgt" ] && summ "$(printf '%s ≤ %s s' "${key:-?}" "$tgt")" "$title" "$(fmt_time "$m")" "$rcell"
  return 0
}
PSTATS_NOTE=""
[ -x "$PSCOPE_STATS" ] || PSTATS_NOTE=" (pscope-stats not built yet)"
[ $HAVE_DBS = 1 ] || PSTATS_NOTE=" (no pscope databases: collector not available)"
ana_row "function table$PSTATS_NOTE" stats 0.1 uf_report "uftrace report"
ana_row "call tree$PSTATS_NOTE" tree 0.3 uf_graph "uftrace graph"
ana_row "diff of two runs$([ -x "$PSCOPE_DIFF" ] || echo " (pscope-diff not built yet)")" diff 0.2 uf_diff "uftrace report --diff"
ana_row "HTML report$([ -x "$PSCOPE_HTML" ] || echo " (pscope-html not built yet)")" html 2 "" "—"
if [ -n "${ANA_CMD[stats_unl]:-}" ]; then
  ana_row "function table, unlimited DB" stats_unl "" uf_report "uftrace report"
  ana_row "call tree, unlimited DB" tree_unl "" uf_graph "uftrace graph"
fi
out ""

# ---- group 7: stage API and sampler ---------------------------------------------------------

out "## 7. Stage API and sampler"
out ""
if [ $HAVE_STAGE = 1 ]; then
  log "stage API cost (1 warm-up + $RUNS rounds)"
  : >"$WORK/res/stage.on" ; : >"$WORK/res/stage.off"
  for ((r = 0; r <= RUNS; r++)); do
    for mode in on off; do
      ENVV=() CMD=("$BB/stage_cost")
      [ $mode = on ] && ENVV=("PSCOPE_OUTPUT=$WORK/out/stage.db")
      rm -f "$WORK/out/stage.db" "$WORK/out/stage.db-wal" "$WORK/out/stage.db-shm"
      record_cmd "stage.$mode" env "${ENVV[@]}" "${CMD[@]}"
      (cd "$WORK/cwd" && env "${ENVV[@]}" "${CMD[@]}" >"$WORK/log/stage.$mode.$r.out" 2>"$WORK/log/stage.$mode.$r.err")
      [ $r -gt 0 ] && awk -F= '{ v[$1] = $2 } END { print v["active"] + 0, v["stage_pair_ns"], v["stage_record_ns"], v["counter_add_ns"] }' \
        "$WORK/log/stage.$mode.$r.out" >>"$WORK/res/stage.$mode"
    done
  done
  out "From \`bench/stage_cost\` (ns per operation, median of $RUNS runs, min – max); \"on\" ="
  out "PSCOPE_OUTPUT set, \"off\" = not profiling. No target is set for these."
  out ""
  out "| operation | profiling on | profiling off |"
  out "|---|---:|---:|"
  active_on=$(awk '{ s += $1 } END { print (NR && s == NR) ? 1 : 0 }' "$WORK/res/stage.on")
  for pair in "2:begin + end pair" "3:record mark (pscope_stage_record)" "4:pscope_counter_add"; do
    col=${pair%%:*} title=${pair#*:}
    cells=""
    for mode in on off; do
      read -r m lo hi n < <(awk -v c="$col" '$c != "" { print $c }' "$WORK/res/stage.$mode" | sort -g |
        awk '{ a[NR] = $1 } END { if (!NR) { print "NA NA NA 0"; exit }
          m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m, a[1], a[NR], NR }')
      if [ "$n" = 0 ]; then cells+=" failed |"; else cells+=" $(fmt_num "$m" 1) ns ($(fmt_num "$lo" 1) – $(fmt_num "$hi" 1)) |"; fi
    done
    out "| $title |$cells"
  done
  if [ "$active_on" != 1 ]; then
    out ""
    out "Note: pscope_active() was 0 with PSCOPE_OUTPUT set in some runs: the \"on\" column did not profile."
  fi
  out ""
else
  out "Stage API cost: not available (libpscope or the stage API not built yet)."
  out ""
fi

if [ $HAVE_RUN = 1 ] || [ $HAVE_LINKED = 1 ]; then
  PROG_BIN[idle]=$BB/idle
  [ $HAVE_LINKED = 1 ] && PROG_LINKED[idle]=$BB/idle-linked
  PROG_ARGS_STR[idle]=2000
  measure idle sampler_on sampler_off
  won=$(med "$WORK/res/idle.sampler_on" $C_WALL)
  con=$(med "$WORK/res/idle.sampler_on" $C_CPU)
  coff=$(med "$WORK/res/idle.sampler_off" $C_CPU)
  samples=$(med "$WORK/res/idle.sampler_on" $C_EXTRA)
  samples_off=$(med "$WORK/res/idle.sampler_off" $C_EXTRA)
  pct=$(calc div "$(calc sub "$con" "$coff")" "$(calc div "$won" 100000)")  # µs / (ns/1e5) = % of a core
  per=$(calc div "$(calc sub "$con" "$coff")" "$samples")
  if [ "$samples" = NA ] || [ "$samples" = 0 ]; then pct=NA per=NA; fi
  out "Sampler: \`bench/idle 2000\` (sleeps 2 s in 10 ms naps) profiled ($(setup idle sampler_on 0 && show "${CMD[0]##*/}")) with"
  out "\`$SAMPLER_ENV=$SAMPLER_ON\` versus \`$SAMPLER_ENV=$SAMPLER_OFF\`; cost = difference of median CPU"
  out "(user + sys) over the wall time."
  out ""
  out "| measure | value |"
  out "|---|---:|"
  out "| CPU, sampler on (median) | $(fmt_time "$(calc div "$con" 0.001)") |"
  out "| CPU, sampler off (median) | $(fmt_time "$(calc div "$coff" 0.001)") |"
  out "| resource_sample rows, on / off | $(fmt_num "$samples" 0) / $(fmt_num "$samples_off" 0) |"
  out "| sampler CPU, % of one core | $(fmt_num "$pct" 3) % |"
  out "| CPU per sample | $(fmt_time "$(calc div "$per" 0.001)") |"
  if [ "$samples" = NA ] || [ "$samples" = 0 ]; then
    out ""
    out "No resource_sample rows with \`$SAMPLER_ENV=$SAMPLER_ON\`: the sampler is not available (yet) or is set by another variable, so this cost is not meaningful."
  fi
  out ""
else
  out "Sampler CPU cost: not available (collector not built yet)."
  out ""
fi

# ---- where the time goes: perf profile of the collector ----------------------------------

PERF_SECTION=$WORK/perf.md
: >"$PERF_SECTION"

# perf_split: read `perf report --sort pid,dso` lines ("PCT% TID:COMM DSO") and print one
# sentence splitting the samples between the program's main thread (lowest tid that is
# not pscope-run) and the other threads (the collector's), each by the main DSOs.
perf_split() {
  awk '
    $1 ~ /%$/ {
      pct = $1 + 0; split($2, a, ":"); tid = a[1] + 0; comm = a[2]; dso = $3
      if (comm == "pscope-run") next
      tot[tid] += pct; by[tid, dso] += pct; dsos[dso] = 1
      if (!(tid in seen)) { seen[tid] = 1; if (main == "" || tid < main) main = tid }
    }
    function parts(sel,   d, n, out, k, v, i, j, t, names, vals) {
      n = 0
      for (d in dsos) {
        v = 0
        for (t in tot) if ((sel == "main") == (t + 0 == main)) v += by[t, d]
        if (v >= 0.5) { n++; names[n] = d; vals[n] = v }
      }
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (vals[j] > vals[i]) {
        k = vals[i]; vals[i] = vals[j]; vals[j] = k; k = names[i]; names[i] = names[j]; names[j] = k }
      out = ""
      for (i = 1; i <= n && i <= 4; i++) out = out (i > 1 ? ", " : "") names[i] " " sprintf("%.1f", vals[i])
      return out
    }
    END {
      if (main == "") exit
      other = 0; nt = 0
      for (t in tot) if (t + 0 != main) { other += tot[t]; nt++ }
      printf "Split: main thread %.1f%% of samples (%s); %d collector thread(s) %.1f%% (%s).\n",
        tot[main], parts("main"), nt, other, parts("other")
    }'
}

# perf_profile KEY TITLE: profile CMD (with ENVV) under perf and append the per-thread
# and per-symbol split to the perf section.
perf_profile() {
  local key=$1 title=$2 pd=$WORK/out/perf.$1.data
  log "perf profile: $key"
  [ -n "$OUTPATH" ] && rm -f "$OUTPATH" "$OUTPATH-wal" "$OUTPATH-shm"
  record_cmd "perf.$key" env "${ENVV[@]}" perf record -q -F 2000 -o "$pd" -- "${CMD[@]}"
  if (cd "$WORK/cwd" && env "${ENVV[@]}" perf record -q -F 2000 -o "$pd" -- "${CMD[@]}" >/dev/null 2>"$WORK/log/perf.$key.err"); then
    {
      echo "### $title"
      echo ""
      perf report -i "$pd" --stdio --no-children --sort pid,dso -q 2>/dev/null | perf_split
      echo ""
      echo '```'
      perf report -i "$pd" --stdio --no-children --sort pid -q 2>/dev/null | grep -v '^$' | head -n 6
      echo ""
      perf report -i "$pd" --stdio --no-children --sort pid,dso,sym -q --percent-limit 1.5 2>/dev/null |
        grep -v '^$' | head -n 16 | cut -c1-110
      echo '```'
      echo ""
    } >>"$PERF_SECTION"
  else
    note "perf record failed for $key: $(tail -n 1 "$WORK/log/perf.$key.err")"
  fi
}

if [ "${BENCH_PERF:-1}" != 0 ] && have perf && { [ $HAVE_RUN = 1 ] || [ $HAVE_LINKED = 1 ]; }; then
  for gv in "fib $(dflt fib)" "sensor $(dflt sensor)" "fib unlimited"; do
    read -r pg v <<<"$gv"
    [ -n "${PROG_BIN[$pg]:-}" ] || continue
    setup "$pg" "$v" 0 || continue
    perf_profile "$pg.$v" "${PROG_TITLE[$pg]}, ${VAR_TITLE[$v]}"
  done
  if [ $HAVE_STAGE = 1 ]; then
    OUTPATH=$WORK/out/stage.db ENVV=("PSCOPE_OUTPUT=$OUTPATH") CMD=("$BB/stage_cost")
    perf_profile stage_cost "bench/stage_cost, profiling on"
  fi
elif [ "${BENCH_PERF:-1}" != 0 ] && ! have perf; then
  note "perf not installed: no profile of where the collector's time goes"
fi

# ---- further benchmark sections: scripts/bench_*.sh ------------------------------------------
# Each scripts/bench_<area>.sh (the tools' own benchmarks) prints one markdown section
# ("## ...") on stdout, logs on stderr, and exits 0; it gets BUILD_DIR (absolute), BENCH_RUNS
# and a scratch directory BENCH_WORK. A script that fails is named in the notes instead.
EXTRA_SECTIONS=$WORK/extra_sections.md
: >"$EXTRA_SECTIONS"
for extra in "$ROOT"/scripts/bench_*.sh; do
  [ -f "$extra" ] || continue
  name=$(basename "$extra" .sh)
  mkdir -p "$WORK/$name"
  log "running $name"
  if BUILD_DIR=$BDIR BENCH_RUNS=$RUNS BENCH_WORK=$WORK/$name bash "$extra" >"$WORK/$name.md" 2>"$WORK/log/$name.log"; then
    cat "$WORK/$name.md" >>"$EXTRA_SECTIONS"; echo >>"$EXTRA_SECTIONS"
  else
    echo "- scripts/$name.sh failed (exit $?); its log: $(tail -n 3 "$WORK/log/$name.log" | tr '\n' ' ')" >>"$NOTES"
  fi
done

# ---- assemble BENCHMARKS.md -------------------------------------------------------------------

T_END=$(date +%s)
cpu_model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
[ -n "$cpu_model" ] || cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
hyper=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p' | head -n 1)
clocksrc=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)
tscflags=$(grep -o -w -e constant_tsc -e nonstop_tsc /proc/cpuinfo 2>/dev/null | sort -u | tr '\n' ' ')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || commit="$commit (with uncommitted changes)"
uf_ver=$( [ $HAVE_UFTRACE = 1 ] && uftrace --version 2>/dev/null | head -n 1 || echo "not installed")
sq_ver=$( [ $HAVE_SQLITE = 1 ] && sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo "not installed")

# ---- floors: what the machine itself allows ---------------------------------------------
FLOORS=$WORK/floors.txt
: >"$FLOORS"
if [ $HAVE_FLOORS = 1 ] && [ $HAVE_SQLITE = 1 ]; then
  rm -f "$WORK/out/floors.db"
  sqlite3 "$WORK/out/floors.db" <"$ROOT/sql/schema.sql" &&
    record_cmd "floors" "$BB/floors" "$WORK/out/floors.db" &&
    "$BB/floors" "$WORK/out/floors.db" >"$FLOORS" 2>>"$WORK/log/floors.err"
fi
fl() { sed -n "s/^$1=//p" "$FLOORS"; }
if [ -s "$FLOORS" ]; then
  {
    echo "## 8. Floors: what this machine allows"
    echo ""
    echo "Measured by \`bench/floors\` (median of 7 timings; SQLite: 2^20 rows into the \`call\` table"
    echo "of \`sql/schema.sql\`, 64-row INSERT statements, 64 Ki rows per transaction, WAL,"
    echo "nothing else running in the process)."
    echo ""
    echo "| what | measured | what it bounds |"
    echo "|---|---:|---|"
    echo "| one \`rdtsc\` | $(fl rdtsc_ns) ns | a profiled call reads the clock twice: $(awk -v r="$(fl rdtsc_ns)" 'BEGIN { printf "%.1f", 2 * r }') ns/call before any other work (target 35 ns/call) |"
    echo "| one \`clock_gettime(CLOCK_MONOTONIC)\` | $(fl clock_gettime_ns) ns | the fallback clock without a usable TSC |"
    echo "| SQLite insert of raw call rows | $(awk -v r="$(fl sqlite_rows_per_s)" 'BEGIN { printf "%.2f M rows/s", r / 1e6 }') | the unlimited-mode ingest rate cannot exceed this (target 2 M rows/s) |"
    echo ""
  } >>"$REPORT"
fi


# ---- 9: thread scaling and call-path memory --------------------------------------------------

for n in 1 2 4 8; do
  PROG_BIN[threads$n]=$BB/threads
  PROG_ARGS_STR[threads$n]="$n $THREADS_ITER"
  measure "threads$n" base run
done
PROG_BIN[paths]=$BB/paths
PROG_ARGS_STR[paths]=$PATHS_DEPTH
measure paths base run
{
  echo "## 9. Thread scaling and call-path memory"
  echo ""
  echo "Thread scaling: \`bench/threads N $THREADS_ITER\`, N threads each making $((2 * THREADS_ITER)) small"
  echo "calls. On a machine with fewer cores than threads, wall time cannot scale, so the"
  echo "figure is CPU time (user + sys of the whole process, collector threads included) per"
  echo "call over the baseline's. Target: within 10% of the 1-thread figure (each thread"
  echo "aggregates its own calls; no thread waits for a shared writer)."
  echo ""
  echo "| threads | calls | CPU baseline | CPU pscope-run | CPU per call over baseline | vs 1 thread |"
  echo "|---:|---:|---:|---:|---:|---:|"
  one=""
  worst=""
  for n in 1 2 4 8; do
    c=$(expected_calls "threads$n")
    cb=$(med "$WORK/res/threads$n.base" $C_CPU)
    cr=$(med "$WORK/res/threads$n.run" $C_CPU)
    per=$(awk -v a="$cr" -v b="$cb" -v c="${c:-NA}" 'BEGIN { if (a == "NA" || b == "NA" || c == "NA" || c == 0) print "NA"; else printf "%.1f", (a - b) * 1000 / c }')
    [ "$n" = 1 ] && one=$per
    rel=$(awk -v p="$per" -v o="$one" 'BEGIN { if (p == "NA" || o == "NA" || o <= 0) print "NA"; else printf "%.2f", p / o }')
    if [ "$rel" != NA ]; then
      worst=$(awk -v r="$rel" -v w="${worst:-0}" 'BEGIN { print (r > w ? r : w) }')
    fi
    echo "| $n | ${c:-n/a} | $(fmt_time "$(awk -v x="$cb" 'BEGIN { if (x == "NA") print "NA"; else print x * 1000 }')") | $(fmt_time "$(awk -v x="$cr" 'BEGIN { if (x == "NA") print "NA"; else print x * 1000 }')") | $(fmt_time "$per") | ${rel/NA/n/a}× |"
  done
  echo ""
  pc=$(expected_calls paths)
  rb=$(med "$WORK/res/paths.base" $C_RSS)
  rr=$(med "$WORK/res/paths.run" $C_RSS)
  bpp=$(awk -v a="$rr" -v b="$rb" -v c="${pc:-NA}" 'BEGIN { if (a == "NA" || b == "NA" || c == "NA" || c == 0) print "NA"; else printf "%.0f", (a - b) * 1024 / c }')
  per100k=$(awk -v x="$bpp" 'BEGIN { if (x == "NA") print "NA"; else printf "%.1f", x * 100000 / 1048576 }')
  echo "Call-path memory: \`bench/paths $PATHS_DEPTH\` makes ${pc:-n/a} calls, each on a call path of its own."
  echo "Peak RSS baseline $(fmt_bytes "$(awk -v x="$rb" 'BEGIN { if (x == "NA") print "NA"; else print x * 1024 }')"), under pscope-run $(fmt_bytes "$(awk -v x="$rr" 'BEGIN { if (x == "NA") print "NA"; else print x * 1024 }')"):"
  echo "**${bpp/NA/n/a} bytes per call path** in all (the thread's tree node with its lookup slot, the"
  echo "writer's merged node and mapping, SQLite's page cache and the collector's fixed cost),"
  echo "i.e. ${per100k/NA/n/a} MiB per 100,000 paths (target: a 100,000-path program under 64 MB)."
  echo "The thread's own tree alone is measured by \`tests/unit/test_cct.c\` (bytes mapped per node)."
  echo ""
} >>"$REPORT"
if [ -n "$one" ] && [ "$one" != NA ]; then
  summ "thread scaling: CPU/call at 2–8 threads ≤ 1.10× 1 thread (worst)" "bench/threads 1–8" "${worst}× (1 thread: $(fmt_time "$one")/call)" "$(verdict "$worst" le 1.10)"
fi
if [ -n "$per100k" ] && [ "$per100k" != NA ]; then
  summ "memory: 100,000 call paths < 64 MB" "bench/paths $PATHS_DEPTH" "$per100k MiB / 100k paths" "$(verdict "$per100k" le 64)"
fi

TMP_OUT=$OUT.tmp.$$
{
  echo "# pscope benchmarks"
  echo ""
  echo "<!-- Generated by scripts/bench.sh (\`make bench\`); rewritten on every run — do not edit. -->"
  echo ""
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit; harness run time $((T_END - T_START)) s"
  echo "- Machine: $cpu_model, $(nproc) cores$([ -n "$hyper" ] && echo " ($hyper guest)"), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r)"
  echo "- Clocksource: $clocksrc; TSC flags: ${tscflags:-none}"
  echo "- Load average (1/5/15 min) at start: ${LOAD_START:-unknown}; at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
  echo "  (other work on the machine widens the min – max ranges; compare medians)"
  echo "- Compiler: $("$CC" --version | head -n 1); uftrace: $uf_ver; sqlite3: $sq_ver"
  echo "- Method: per program one warm-up round, then $RUNS rounds with the variants interleaved;"
  echo "  median and min – max of the rounds. Build dir: \`$(show "$BDIR")\`."
  echo "- Bench programs: \`${INSTR_CFLAGS[*]}\` (functions \`noinline\`), so the"
  echo "  baseline is the same binary running glibc's no-op \`__cyg_profile_func_*\` hooks."
  echo ""
  echo "## Summary"
  echo ""
  echo "Each target against its measurement (details and every variant in the sections below)."
  echo ""
  echo "| target | measured on | median | result |"
  echo "|---|---|---:|---|"
  cat "$SUMMARY"
  echo ""
  cat "$REPORT"
  if [ -s "$PERF_SECTION" ]; then
    echo "## Where the time goes"
    echo ""
    echo "\`perf record -F 2000\` of one run each, then \`perf report --no-children\` by thread"
    echo "(\`--sort pid\`) and by thread and symbol (\`--sort pid,dso,sym\`, ≥ 1.5 %), in % of all"
    echo "samples. Of the program's threads the main thread (where the hot path runs) has the"
    echo "lowest id; the collector's writer and sampler threads are created after it. A pscope-run"
    echo "parent process shows up with its own smaller id."
    echo ""
    echo "Reading guide: perf samples only running threads. A hot path waiting for ring space"
    echo "sleeps (sched_yield/nanosleep) and does not show up, so when the wall-time overhead per"
    echo "call (section 1) is well above the main thread's libpscope share, the writer thread is"
    echo "the bottleneck; in unlimited mode its SQLite inserts are."
    echo ""
    cat "$PERF_SECTION"
  fi
  cat "$EXTRA_SECTIONS"
  if [ -s "$NOTES" ]; then
    echo "## Notes from this run"
    echo ""
    cat "$NOTES"
    echo ""
  fi
  echo "## Commands"
  echo ""
  echo "\`\$TMP\` is the harness's temporary directory (working directory of every run: \`\$TMP/cwd\`);"
  echo "output slots \`.0\`/\`.1\` alternate between rounds. Each measured command ran under"
  echo "\`$(show "$RUNSTAT") -o FILE -- COMMAND\` (fork/exec/wait4: wall time, rusage)."
  echo ""
  echo '```'
  awk -F'\t' '{ printf "%-22s %s\n", $1 ":", $2 }' "$CMDS"
  echo '```'
} >"$TMP_OUT" && mv "$TMP_OUT" "$OUT"
log "wrote $(show "$OUT") in $((T_END - T_START)) s"
exit 0
