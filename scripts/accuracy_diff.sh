#!/usr/bin/env bash
# scripts/accuracy_diff.sh: measures how well pscope-diff gates CI on this machine, the
# robust default method beside the classic one on the same databases, without and with a
# CPU hog on one core; writes docs/accuracy-diff.md. Run by `make accuracy` (not make test).
#
# Workload: build/tests/progs/slowfn (12 leaf functions, all above the 1% noise floor;
# deterministic call counts), ROUNDS rounds per run (about 0.05-0.1 s profiled).
# Per condition (quiet, hog) and PAIRS pairs, one database with the runs interleaved in time
# (round i: base, pr, then the changed variants), labels:
#   base, pr   5 runs each of the same binary            -> A/A 5 vs 5, and A/A 1 vs 1 (run 1
#                                                            of each)
#   s10, s05   5 runs with tokenize 10% / 5% slower      -> power, first TRIALS pairs
#              per call (--slow tokenize=1.10 / 1.05)
#   c20        5 runs with tokenize called 20% more      -> call-count attribution, first
#              often at the same time per call             CALL_TRIALS pairs
# Each comparison is run with --method robust (the default) and --method classic.
# Environment: BUILD_DIR (default build), PAIRS (40), TRIALS (20), CALL_TRIALS (10),
# ROUNDS (100), OUT (docs/accuracy-diff.md), KEEP=1 keeps the work directory (its
# databases and a file `meta` with the profiling conditions), REUSE=DIR compares the
# databases of a kept work directory again instead of profiling (after a change of
# pscope-diff; the page then says when the profiles were recorded).
set -u
cd "$(dirname "$0")/.." || exit 2
root=$PWD
build=${BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
PAIRS=${PAIRS:-40}
TRIALS=${TRIALS:-20}
CALL_TRIALS=${CALL_TRIALS:-10}
ROUNDS=${ROUNDS:-100}
OUT=${OUT:-docs/accuracy-diff.md}
prog="$build/tests/progs/slowfn"
run="$build/bin/pscope-run"
diff="$build/bin/pscope-diff"
for f in "$prog" "$run" "$diff"; do
  [ -x "$f" ] || { echo "accuracy_diff: missing $f (run make first)" >&2; exit 2; }
done
work=$(mktemp -d /tmp/pscope-accuracy-diff.XXXXXX)
hog_pid=
cleanup() {
  [ -n "$hog_pid" ] && kill "$hog_pid" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

profile() { # profile DB LABEL [ARGS...]
  local db=$1 label=$2
  shift 2
  "$run" -q -o "$db" --label "$label" -- "$prog" "$ROUNDS" "$@" >/dev/null || {
    echo "accuracy_diff: pscope-run failed" >&2
    exit 3
  }
}

compare() { # compare OUT A B: both methods, JSON reports OUT.robust.json / OUT.classic.json
  local out=$1 a=$2 b=$3 m
  for m in robust classic; do
    # the JSON's summary.exit_code is the gate's exit code (default --fail-on regression)
    "$diff" --method "$m" --format json -o "$out.$m.json" "$a" "$b"
    [ $? -le 1 ] || exit 3
  done
}

measure() { # measure CONDITION
  local cond=$1 p i db
  mkdir -p "$work/$cond"
  for p in $(seq "$PAIRS"); do
    db="$work/$cond/pair$p.db"
    [ -n "${REUSE:-}" ] && db="$REUSE/$cond/pair$p.db"
    for i in 1 2 3 4 5; do
      [ -n "${REUSE:-}" ] && break
      profile "$db" base
      profile "$db" pr
      if [ "$p" -le "$TRIALS" ]; then
        profile "$db" s10 --slow tokenize=1.10
        profile "$db" s05 --slow tokenize=1.05
      fi
      [ "$p" -le "$CALL_TRIALS" ] && profile "$db" c20 --calls tokenize=1.2
    done
    compare "$work/$cond/aa5-$p" "$db:base" "$db:pr"
    local b1 c1
    b1=$(sqlite3 "$db" "SELECT MIN(id) FROM run WHERE label = 'base'")
    c1=$(sqlite3 "$db" "SELECT MIN(id) FROM run WHERE label = 'pr'")
    compare "$work/$cond/aa1-$p" "$db:$b1" "$db:$c1"
    if [ "$p" -le "$TRIALS" ]; then
      compare "$work/$cond/s10-$p" "$db:base" "$db:s10"
      compare "$work/$cond/s05-$p" "$db:base" "$db:s05"
    fi
    [ "$p" -le "$CALL_TRIALS" ] && compare "$work/$cond/c20-$p" "$db:base" "$db:c20"
  done
}

start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measure quiet
t_quiet=$(($(date +%s) - start))
if [ -n "${REUSE:-}" ]; then
  measure hog
elif [ -n "${QUICK_CHECK:-}" ]; then # a look at the quiet figures only (script development)
  cp -r "$work/quiet" "$work/hog"
else
  sh -c 'while :; do :; done' &
  hog_pid=$!
  measure hog
  kill "$hog_pid" 2>/dev/null
  wait "$hog_pid" 2>/dev/null
  hog_pid=
fi
t_total=$(($(date +%s) - start))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
when=$(date -u '+%Y-%m-%d %H:%M UTC')
reanalysed=
if [ -n "${REUSE:-}" ]; then # the profiling conditions of the kept run
  reanalysed=$when
  # shellcheck disable=SC1091
  . "$REUSE/meta" || exit 2
else
  printf 't_quiet=%s\nt_total=%s\nload_before="%s"\nload_after="%s"\nwhen="%s"\n' \
    "$t_quiet" "$t_total" "$load_before" "$load_after" "$when" >"$work/meta"
fi

python3 - "$work" "$OUT" "$PAIRS" "$TRIALS" "$CALL_TRIALS" "$ROUNDS" "$t_quiet" "$t_total" \
  "$load_before" "$load_after" "$(nproc)" "$when" "$reanalysed" <<'PY'
import json, os, sys
work, out, pairs, trials, ctrials, rounds, t_quiet, t_total, lb, la, ncpu, when, again = sys.argv[1:]
pairs, trials, ctrials = int(pairs), int(trials), int(ctrials)
TARGET = "tokenize"

def load(cond, kind, i, method):
    with open(f"{work}/{cond}/{kind}-{i}.{method}.json") as f:
        d = json.load(f)
    return d, d["summary"]["exit_code"]

def flagged(d, skip=None):
    return [f["function"] for f in d["functions"]
            if f["verdict"] in ("regression", "improvement") and f["function"] != skip]

def figures(cond, method):
    r = {}
    ex = fl = tests = 0
    for i in range(1, pairs + 1):
        d, code = load(cond, "aa5", i, method)
        ex += code == 1
        fl += len(flagged(d))
        tests += sum(1 for f in d["functions"] if f["share"] is not None and f["share"] >= 0.01)
    r["aa5_exit"] = f"{ex}/{pairs}"
    r["aa5_flags"] = f"{fl}/{tests}"
    ex = 0
    for i in range(1, pairs + 1):
        d, code = load(cond, "aa1", i, method)
        ex += code == 1
    r["aa1_exit"] = f"{ex}/{pairs}"
    for kind in ("s10", "s05"):
        det = other = 0
        for i in range(1, trials + 1):
            d, code = load(cond, kind, i, method)
            v = [f for f in d["functions"] if f["function"] == TARGET][0]
            det += v["verdict"] == "regression"
            other += len(flagged(d, TARGET)) > 0
        r[kind + "_det"] = f"{det}/{trials}"
        r[kind + "_other"] = f"{other}/{trials}"
    det = attr = 0
    for i in range(1, ctrials + 1):
        d, code = load(cond, "c20", i, method)
        v = [f for f in d["functions"] if f["function"] == TARGET][0]
        det += v["verdict"] == "regression"
        attr += v["verdict"] == "regression" and v.get("cause") == "calls"
    r["c20_det"] = f"{det}/{ctrials}"
    r["c20_attr"] = f"{attr}/{ctrials}" if method == "robust" else "n/a (no decomposition)"
    needed = []
    for i in range(1, pairs + 1):
        d, _ = load(cond, "aa5", i, method)
        rn = d["summary"].get("runs_needed")
        if rn is not None:
            needed.append(rn)
    r["runs_needed"] = (f"median {sorted(needed)[len(needed) // 2]:.0f}, max {max(needed):.0f}"
                        if needed and method == "robust" else "n/a")
    return r

rows = [
    ("A/A 5 vs 5: pairs exiting 1", "aa5_exit", f"<= 2/{pairs}"),
    ("A/A 5 vs 5: functions flagged / functions tested", "aa5_flags", "-"),
    ("A/A 1 vs 1: pairs exiting 1", "aa1_exit", f"<= 5%"),
    ("tokenize +10% per call, 5 vs 5: detected", "s10_det", ">= 95%"),
    ("tokenize +10%: trials flagging an unchanged function", "s10_other", "<= 5%"),
    ("tokenize +5% per call, 5 vs 5: detected", "s05_det", ">= 80%"),
    ("tokenize +5%: trials flagging an unchanged function", "s05_other", "<= 5%"),
    ("tokenize called +20% (same time per call): detected", "c20_det", "-"),
    ("... attributed to calls (cause = calls)", "c20_attr", "all"),
    ("runs per side for 5% at 80% power (--runs-needed, A/A pairs)", "runs_needed", "-"),
]
fig = {(c, m): figures(c, m) for c in ("quiet", "hog") for m in ("classic", "robust")}
lines = []
w = lines.append
w("# pscope-diff accuracy: the CI gate on a noisy machine")
w("")
w("Written by `scripts/accuracy_diff.sh` (`make accuracy`); do not edit by hand. Method and")
w("formulas: [diff.md](diff.md). Index of the accuracy pages: [accuracy.md](accuracy.md).")
w("")
w(f"Measured {when} on this machine ({ncpu} CPUs, shared with other jobs: load average "
  f"{lb} before, {la} after). Workload: `tests/progs/slowfn {rounds}` (12 leaf functions "
  f"above the 1% floor, exact call counts), profiled by `pscope-run` (every call stored, so "
  f"per-call figures come from raw rows). Runs of one pair are interleaved in time. "
  f"\"hog\": a busy loop (`sh -c 'while :; do :; done'`) on one of the two cores for the whole "
  f"condition. Time: {t_quiet} s quiet, {t_total} s in total." +
  (f" The comparisons were computed again on these profiles at {again} with the "
   f"pscope-diff of this commit (REUSE)." if again else ""))
w("")
w("Each figure comes from the same databases for both methods: `classic` is the earlier "
  "gate (`--method classic`: Mann-Whitney on per-run summed self time with repeated runs, "
  "on per-call durations with one run per side; no multiplicity control), `robust` the "
  "default (per-run 10% trimmed mean of per-call self time, Welch t on logs, calls counted "
  "exactly, Benjamini-Hochberg; one run per side: magnitude >= 20% only).")
w("")
w("| figure | target | classic, quiet | robust, quiet | classic, hog | robust, hog |")
w("| --- | --- | --- | --- | --- | --- |")
for title, key, target in rows:
    w(f"| {title} | {target} | " + " | ".join(fig[(c, m)][key] for c in ("quiet", "hog")
                                               for m in ("classic", "robust")) + " |")
w("")
w(f"Counts: A/A {pairs} pairs per condition; power {trials} trials per change (the base runs "
  f"of the first {trials} A/A pairs against 5 changed runs); call-count change {ctrials} "
  f"trials. \"Exiting 1\" is the gate's exit code with the default `--fail-on regression`; "
  f"\"detected\" means tokenize's verdict is `regression`.")
with open(out + ".tmp", "w") as f:
    f.write("\n".join(lines) + "\n")
os.replace(out + ".tmp", out)
print("\n".join(lines))
PY
