#!/usr/bin/env bash
# scripts/accuracy_extrapolate.sh: measures how well pscope-extrapolate projects, and writes
# docs/accuracy-extrapolate.md (run by `make accuracy`, or directly; not part of make test).
#
# The seed's sensor pipeline (samples/sensor_pipeline; window W = 64, so its hotspot
# window_features is O(n·w), linear in n) is profiled at 6 scales 512..16384 (REPS repetitions each, default 3)
# and fitted (--aggregate min: the least disturbed repetition, as the machine is shared);
# the fit is projected to n = 262144 (16×) and 1048576 (64×), and the program is then run
# at those sizes. Reported: the projection error of the run wall time and of the 3
# functions with the most self time in the measured run, next to the error of the naive
# projection (the largest single fitted run's figure × target / its n, what other pipeline
# profilers do: it scales fixed costs too). Goal: <= 10% at 16× for the total and the top 3.
# As root the profiled runs get nice -20 (ACCURACY_RT=1: real-time priority, chrt -f 10, for
# a machine so loaded that nice is not enough; the kernel's RT throttling still leaves the
# other work 5% of each core), so other work disturbs their wall-clock times less; the doc
# says which they had.
# Environment: BUILD_DIR (default build), REPS, OUT (default docs/accuracy-extrapolate.md).
set -eu
cd "$(dirname "$0")/.." || exit 2
root=$PWD
build=${BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
reps=${REPS:-5}
mreps=${MREPS:-2}
out=${OUT:-$root/docs/accuracy-extrapolate.md}
sample="$build/samples/sensor_pipeline"
tool="$build/bin/pscope-extrapolate"
for f in "$sample" "$tool"; do [ -x "$f" ] || { echo "missing $f (make all first)" >&2; exit 1; }; done
work=$(mktemp -d /tmp/pscope-accuracy-extrap.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
scales="512 1024 2048 4096 8192 16384"
prio=()
nice_note="normal priority"
if [ "$(id -u)" = 0 ]; then
  if [ "${ACCURACY_RT:-0}" = 1 ] && command -v chrt >/dev/null; then
    prio=(chrt -f 10); nice_note="real-time priority (chrt -f 10, root)"
  else
    prio=(nice -n -20); nice_note="nice -20 (root)"
  fi
fi
targets="262144 1048576"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
for n in $scales; do
  for r in $(seq "$reps"); do
    echo "fit run n=$n rep $r" >&2
    PSCOPE_OUTPUT="$work/fit.db" "${prio[@]}" "$sample" "$n" >/dev/null
  done
done
for t in $targets; do
  for r in $(seq "$mreps"); do
    echo "measured run n=$t rep $r" >&2
    PSCOPE_OUTPUT="$work/at$t.db" "${prio[@]}" "$sample" "$t" >/dev/null
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(( $(date +%s) - start ))
for t in $targets; do
  "$tool" --target "$t" --aggregate min --format json -o "$work/proj$t.json" "$work/fit.db"
done

python3 - "$work" "$scales" "$targets" "$reps" "$load_before" "$load_after" "$elapsed" "$nice_note" "$mreps" >"$out.tmp" <<'PY'
import json, sqlite3, sys
work, scales, targets, reps, lb, la, elapsed, nice_note, mreps = sys.argv[1:]
scales = [int(x) for x in scales.split()]
targets = [int(x) for x in targets.split()]
fit = sqlite3.connect(f"{work}/fit.db")
nmax = scales[-1]
# the naive base: the last (single) run at the largest fitted scale
last = fit.execute("SELECT id, dur FROM run WHERE scale = ? ORDER BY id DESC LIMIT 1", (nmax,)).fetchone()
def self_of(db, run_id=None):
    """self time per function of one run, or the minimum over every run of the database"""
    q = ("SELECT f.name, f.run_id, SUM(s.self_dur) FROM function f JOIN function_stat s"
         " ON s.function_id = f.id" + (" WHERE f.run_id = ?" if run_id else "")
         + " GROUP BY f.name, f.run_id")
    out = {}
    for name, _, v in db.execute(q, (run_id,) if run_id else ()):
        out[name] = min(out.get(name, v), v)
    return out
naive_self = self_of(fit, last[0])
def err(p, m):
    return 100.0 * (p - m) / m
def ms(ns):
    return f"{ns / 1e6:,.1f} ms"
print("# pscope-extrapolate: measured projection accuracy\n")
print("Written by `scripts/accuracy_extrapolate.sh` (`make accuracy`). The seed's sensor pipeline")
print("(`samples/sensor_pipeline N`, window 64: its hotspot `window_features` is O(n·w), linear in n) profiled")
print(f"at 6 scales {scales[0]}..{nmax} with {reps} repetitions each, fitted with `pscope-extrapolate")
print("--aggregate min` (the least disturbed repetition), projected to the targets below, then")
print("run at those sizes. Error = (projected − measured) / measured. The naive projection multiplies")
print(f"the largest single fitted run (n={nmax}) by target / {nmax}, fixed costs included.\n")
print(f"Conditions: shared 2-core machine, load average {lb} before and {la} after ({elapsed} s")
print(f"in all), profiled runs at {nice_note}; times are wall-clock durations as the collector measures them, so a busy machine")
print(f"disturbs them (the fit uses the minimum of {reps} repetitions, the measured figures the")
print(f"minimum of {mreps} runs at each target).\n")
for t in targets:
    proj = json.load(open(f"{work}/proj{t}.json"))
    rows = {r["function"]: r for r in proj["projection"]}
    meas = sqlite3.connect(f"{work}/at{t}.db")
    wall = meas.execute("SELECT MIN(dur) FROM run").fetchone()[0]
    mself = self_of(meas)
    top = sorted(mself, key=lambda k: -mself[k])[:3]
    f = t / nmax
    print(f"## n = {t:,} ({f:g}× the largest fitted scale)\n")
    errs = []
    print("| what | model | class | measured | projected [interval] | error | naive | naive error |")
    print("|---|---|---|---|---|---|---|---|")
    run = proj["run"][0]
    errs.append(abs(err(run["predicted"], wall)))
    print(f"| run wall time | {run['model']} | {run['class']} | {ms(wall)} | {ms(run['predicted'])} "
          f"[{ms(run['predicted_lo'])}, {ms(run['predicted_high'])}] | {err(run['predicted'], wall):+.1f}% "
          f"| {ms(last[1] * f)} | {err(last[1] * f, wall):+.1f}% |")
    for name in top:
        r = rows.get(name)
        m = mself[name]
        nv = naive_self.get(name, 0) * f
        if r is None:
            print(f"| {name} | - | - | {ms(m)} | - | - | {ms(nv)} | {err(nv, m):+.1f}% |")
            continue
        errs.append(abs(err(r["predicted"], m)))
        print(f"| {name} | {r['model']} | {r['class']} | {ms(m)} | {ms(r['predicted'])} "
              f"[{ms(r['predicted_lo'])}, {ms(r['predicted_high'])}] | {err(r['predicted'], m):+.1f}% "
              f"| {ms(nv)} | {err(nv, m):+.1f}% |")
    print()
    worst = max(errs) if errs else float("nan")
    goal = " (goal at 16×: ≤ 10%: " + ("met" if worst <= 10 else "not met") + ")" if f == 16 else ""
    print(f"Largest error of the total and the top 3: {worst:.1f}%{goal}.\n")
print("Reading: the sensor pipeline is linear with almost no fixed cost, the case where the")
print("naive multiplication is right too; its error shows the measurement noise at that size.")
print("A model error far from the naive one means the per-item cost itself changes with n: over")
print("512..16384 a per-item cost that falls as start-up effects fade is fitted as a sublinear")
print("term, and at 262144 and beyond the data no longer fits in the caches, so the per-item cost")
print("rises again; one-term models of the measured range cannot know either.")
print("Where fixed costs or superlinear terms matter (tests/e2e/extrapolate.sh: a 50 ms fixed")
print("cost and an n² function) the naive projection is off by the factor itself. Wall-clock")
print("times of single runs on a loaded machine differ by tens of percent between runs of the")
print("same size; rerun `make accuracy` on a quiet machine for the figure the method can reach.")
PY
mv "$out.tmp" "$out"
echo "wrote $out" >&2
