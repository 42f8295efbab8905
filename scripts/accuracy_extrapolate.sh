#!/usr/bin/env bash
# scripts/accuracy_extrapolate.sh: measures how well pscope-extrapolate projects, and writes
# docs/accuracy-extrapolate.md (run by `make accuracy`, or directly; not part of make test).
#
# The seed's sensor pipeline (samples/sensor_pipeline; window W = 64, so compute_features is
# O(n·w), linear in n) is profiled at 6 scales 512..16384 (REPS repetitions each, default 3)
# and fitted (--aggregate min: the least disturbed repetition, as the machine is shared);
# the fit is projected to n = 262144 (16×) and 1048576 (64×), and the program is then run
# at those sizes. Reported: the projection error of the run wall time and of the 3
# functions with the most self time in the measured run, next to the error of the naive
# projection (the largest single fitted run's figure × target / its n, what other pipeline
# profilers do: it scales fixed costs too). Goal: <= 10% at 16× for the total and the top 3.
# Environment: BUILD_DIR (default build), REPS, OUT (default docs/accuracy-extrapolate.md).
set -eu
cd "$(dirname "$0")/.." || exit 2
root=$PWD
build=${BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
reps=${REPS:-3}
out=${OUT:-$root/docs/accuracy-extrapolate.md}
sample="$build/samples/sensor_pipeline"
tool="$build/bin/pscope-extrapolate"
for f in "$sample" "$tool"; do [ -x "$f" ] || { echo "missing $f (make all first)" >&2; exit 1; }; done
work=$(mktemp -d /tmp/pscope-accuracy-extrap.XXXXXX)
trap 'rm -rf "$work"' EXIT
scales="512 1024 2048 4096 8192 16384"
targets="262144 1048576"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
for n in $scales; do
  for r in $(seq "$reps"); do
    echo "fit run n=$n rep $r" >&2
    PSCOPE_OUTPUT="$work/fit.db" "$sample" "$n" >/dev/null
  done
done
for t in $targets; do
  echo "measured run n=$t" >&2
  PSCOPE_OUTPUT="$work/at$t.db" "$sample" "$t" >/dev/null
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(( $(date +%s) - start ))
for t in $targets; do
  "$tool" --target "$t" --aggregate min --format json -o "$work/proj$t.json" "$work/fit.db"
done

python3 - "$work" "$scales" "$targets" "$reps" "$load_before" "$load_after" "$elapsed" >"$out.tmp" <<'PY'
import json, sqlite3, sys
work, scales, targets, reps, lb, la, elapsed = sys.argv[1:]
scales = [int(x) for x in scales.split()]
targets = [int(x) for x in targets.split()]
fit = sqlite3.connect(f"{work}/fit.db")
nmax = scales[-1]
# the naive base: the last (single) run at the largest fitted scale
last = fit.execute("SELECT id, dur FROM run WHERE scale = ? ORDER BY id DESC LIMIT 1", (nmax,)).fetchone()
def self_of(db, run_id=None):
    q = ("SELECT f.name, SUM(s.self_dur) FROM function f JOIN function_stat s ON s.function_id = f.id"
         + (" WHERE f.run_id = ?" if run_id else "") + " GROUP BY f.name")
    return dict(db.execute(q, (run_id,) if run_id else ()).fetchall())
naive_self = self_of(fit, last[0])
def err(p, m):
    return 100.0 * (p - m) / m
def ms(ns):
    return f"{ns / 1e6:,.1f} ms"
print("# pscope-extrapolate: measured projection accuracy\n")
print("Written by `scripts/accuracy_extrapolate.sh` (`make accuracy`). The seed's sensor pipeline")
print("(`samples/sensor_pipeline N`, window 64: `compute_features` is O(n·w), linear in n) profiled")
print(f"at 6 scales {scales[0]}..{nmax} with {reps} repetitions each, fitted with `pscope-extrapolate")
print("--aggregate min` (the least disturbed repetition), projected to the targets below, then")
print("run at those sizes. Error = (projected − measured) / measured. The naive projection multiplies")
print(f"the largest single fitted run (n={nmax}) by target / {nmax}, fixed costs included.\n")
print(f"Conditions: shared 2-core machine, load average {lb} before and {la} after ({elapsed} s")
print("in all); times are wall-clock durations as the collector measures them, so a busy machine")
print("disturbs them (the fit uses the minimum of repetitions; the measured runs are single runs).\n")
for t in targets:
    proj = json.load(open(f"{work}/proj{t}.json"))
    rows = {r["function"]: r for r in proj["projection"]}
    meas = sqlite3.connect(f"{work}/at{t}.db")
    wall = meas.execute("SELECT dur FROM run").fetchone()[0]
    mself = self_of(meas)
    top = sorted(mself, key=lambda k: -mself[k])[:3]
    f = t / nmax
    print(f"## n = {t:,} ({f:g}× the largest fitted scale)\n")
    print("| what | model | class | measured | projected [interval] | error | naive | naive error |")
    print("|---|---|---|---|---|---|---|---|")
    run = proj["run"][0]
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
        inside = "yes" if r["predicted_lo"] <= m <= r["predicted_high"] else "no"
        print(f"| {name} | {r['model']} | {r['class']} | {ms(m)} | {ms(r['predicted'])} "
              f"[{ms(r['predicted_lo'])}, {ms(r['predicted_high'])}] | {err(r['predicted'], m):+.1f}% "
              f"| {ms(nv)} | {err(nv, m):+.1f}% |")
    print()
PY
mv "$out.tmp" "$out"
echo "wrote $out" >&2
