#!/usr/bin/env bash
# scripts/bench_export.sh: the "## pscope-export / pscope-import" section of `make bench`
# (called by scripts/bench.sh with BUILD_DIR, BENCH_RUNS, BENCH_WORK; prints markdown on
# stdout, logs on stderr). Measures, as the minimum over BENCH_RUNS runs of CPU time
# (user + sys, from /usr/bin/time) and of wall time:
#   - pscope-import of a `uftrace record` of bench/fib.c fib(BENCH_FIB_N) (default 32:
#     7,049,156 calls) next to `uftrace report` on the same data directory;
#   - pscope-export --format chrome of a full-trace run (max_calls 0) of fib(BENCH_EXPORT_N)
#     (default 27), in events per second, and pscope-import of that JSON back.
# Usage: BUILD_DIR=build BENCH_RUNS=3 BENCH_WORK=/tmp/x scripts/bench_export.sh
set -u
cd "$(dirname "$0")/.." || exit 2
BDIR=${BUILD_DIR:-build}
case "$BDIR" in /*) ;; *) BDIR="$PWD/$BDIR" ;; esac
RUNS=${BENCH_RUNS:-3}
W=${BENCH_WORK:-$(mktemp -d /tmp/pscope-bench-export.XXXXXX)}
N=${BENCH_FIB_N:-32}
EN=${BENCH_EXPORT_N:-27}
mkdir -p "$W"
log() { echo "bench_export: $*" >&2; }
command -v uftrace >/dev/null || { log "uftrace not installed"; exit 1; }

cc -finstrument-functions -O2 -fno-optimize-sibling-calls -o "$W/fib" bench/fib.c || exit 1

# best "cpu wall" of RUNS runs of a command (stdout discarded)
best() {
  local cpu=1e30 wall=1e30 c w
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%U %S %e' -o "$W/time.txt" "$@" >/dev/null 2>>"$W/stderr.log" || { log "failed: $*"; exit 1; }
    read -r u s e <"$W/time.txt"
    c=$(awk -v u="$u" -v s="$s" 'BEGIN{print u + s}')
    cpu=$(awk -v a="$cpu" -v b="$c" 'BEGIN{print (b < a) ? b : a}')
    wall=$(awk -v a="$wall" -v b="$e" 'BEGIN{print (b < a) ? b : a}')
  done
  echo "$cpu $wall"
}

log "recording fib($N) with uftrace"
rm -rf "$W/uft"
uftrace record --no-libcall --no-sched -d "$W/uft" "$W/fib" "$N" >/dev/null 2>>"$W/stderr.log" || exit 1
calls=$(( $(stat -c %s "$W"/uft/[0-9]*.dat | awk '{s += $1} END {print s}') / 32 ))
datmb=$(du -sm "$W/uft" | cut -f1)

log "uftrace report"
read -r rep_cpu rep_wall < <(best uftrace report -d "$W/uft" --no-pager)
log "pscope-import"
imp() { rm -f "$W/imp.db" "$W/imp.db-wal" "$W/imp.db-shm"; "$BDIR/bin/pscope-import" -o "$W/imp.db" "$W/uft"; }
export -f imp
export W BDIR
read -r imp_cpu imp_wall < <(best bash -c imp)
got=$(sqlite3 "$W/imp.db" "SELECT calls_seen FROM run")

log "full-trace run of fib($EN) and its Chrome export"
rm -f "$W/full.db"*
PSCOPE_MAX_CALLS=0 "$BDIR/bin/pscope-run" -o "$W/full.db" -- "$W/fib" "$EN" >/dev/null 2>>"$W/stderr.log" || exit 1
events=$(sqlite3 "$W/full.db" "SELECT calls_stored FROM run")
read -r exp_cpu exp_wall < <(best "$BDIR/bin/pscope-export" "$W/full.db" --format chrome -o "$W/full.json")
jsonmb=$(du -m "$W/full.json" | cut -f1)
reimp() { rm -f "$W/back.db"*; "$BDIR/bin/pscope-import" -o "$W/back.db" --max-calls 0 "$W/full.json"; }
export -f reimp
read -r back_cpu back_wall < <(best bash -c reimp)

rate() { awk -v n="$1" -v t="$2" 'BEGIN{ if (t <= 0) t = 0.01; printf "%.2f M/s", n / t / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b <= 0) b = 0.01; printf "%.2f×", a / b }'; }

cat <<EOF
## pscope-export / pscope-import

Minimum of $RUNS runs each; CPU = user + sys (robust on a busy machine), wall as measured.
$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) when measured.

| task | data | CPU | wall | rate (CPU) |
|---|---|---|---|---|
| \`uftrace report\` | \`uftrace record\` of fib($N): $calls calls, ${datmb} MB | ${rep_cpu} s | ${rep_wall} s | $(rate "$calls" "$rep_cpu") calls |
| \`pscope-import\` (default budget: 100,000 raw rows) | same directory ($got calls imported) | ${imp_cpu} s | ${imp_wall} s | $(rate "$calls" "$imp_cpu") calls |
| \`pscope-export --format chrome\` | full-trace run of fib($EN): $events stored calls → ${jsonmb} MB | ${exp_cpu} s | ${exp_wall} s | $(rate "$events" "$exp_cpu") events |
| \`pscope-import\` of that JSON (\`--max-calls 0\`) | $events X events | ${back_cpu} s | ${back_wall} s | $(rate "$events" "$back_cpu") events |

pscope-import needs $(ratio "$imp_cpu" "$rep_cpu") the CPU time of \`uftrace report\` on the same recording
(goal: below 1×) and leaves a database every pscope tool reads.
EOF
