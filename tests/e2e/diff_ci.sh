#!/usr/bin/env bash
# tests/e2e/diff_ci.sh: end-to-end test of the CI job documented in docs/ci.md.
#
# Extracts the job script from docs/ci.md (between the ci-script markers) and runs it, as
# the doc says, against the sensor_pipeline sample profiled by pscope-run: a baseline
# artifact, a change with the doc's injected slowdown (--slow normalize=1.10), a change with
# a large one (--slow normalize=4), the several-databases form and the one-run quick look.
# Verdicts on real runs depend on machine noise, so the checks here are the ones that must
# hold whatever the noise: exit codes agree with the reports, every report parses, the
# summary line comes first, a 4x slowdown is flagged (the default robust method compares the
# runs' trimmed-mean time per call, which a loaded machine does not move by 4x), 2 vs 2 runs
# are "not assessed" by the exact rank test. Exact
# verdicts (A/A, 10 %, 3 %, noise floor) are tested on constructed data in
# tests/unit/test_diff.c.
# Usage: BUILD_DIR=build tests/e2e/diff_ci.sh   (ends with "N passed, M failed"; exit 1 on
# any failure).
set -u
cd "$(dirname "$0")/../.." || exit 2
root=$PWD
build=${BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
sample="$build/samples/sensor_pipeline"
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION COMMAND...: pass when the command succeeds
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

for f in "$build/bin/pscope-run" "$build/bin/pscope-diff" "$sample"; do
  if [ ! -x "$f" ]; then
    bad "missing $f (build first: make B=${BUILD_DIR:-build} all)"
    echo "$passed passed, $failed failed"
    exit 1
  fi
done
export PATH="$build/bin:$PATH"

work=$(mktemp -d /tmp/pscope-e2e-diff.XXXXXX)
[ -n "${PSCOPE_KEEP_TMP:-}" ] || trap 'rm -rf "$work"' EXIT
awk '/<!-- ci-script:begin -->/ {on = 1; next} /<!-- ci-script:end -->/ {on = 0}
     on && !/^```/ {print}' docs/ci.md >"$work/perf-gate.sh"
chmod +x "$work/perf-gate.sh"
check "job script extracted from docs/ci.md" grep -q 'pscope-diff baseline.db:base current.db:pr' "$work/perf-gate.sh"
cd "$work" || exit 2

# JSON field of a report: json_get FILE PYTHON-EXPRESSION-ON-d
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# Well-formed XML and its number of <failure> elements.
junit_failures() { python3 -c "import sys, xml.dom.minidom as m; print(len(m.parse(sys.argv[1]).getElementsByTagName('failure')))" "$1"; }
summary_re='^[0-9]+ regressions?, [0-9]+ improvements?, [0-9]+ unchanged'

# 1. Baseline artifact: 5 complete runs labelled "base".
WORKLOAD="$sample 20000" PSCOPE_DIFF_OPTS="" ./perf-gate.sh baseline
check "baseline: exit 0" test $? -eq 0
n=$(sqlite3 baseline.db "SELECT COUNT(*) FROM run WHERE label = 'base' AND complete = 1")
check "baseline: 5 complete runs labelled base (got $n)" test "$n" = 5

# 2. The doc's change: --slow normalize=1.10. Whatever the verdict, the reports must agree.
WORKLOAD="$sample 20000 --slow normalize=1.10" PSCOPE_DIFF_OPTS="" ./perf-gate.sh check >check.out
status=$?
check "check 1.10: exit 0 or 1 (got $status)" test "$status" -le 1
check "check 1.10: summary line printed" grep -Eq "$summary_re" check.out
check "check 1.10: md starts with the summary line" grep -Eq "$summary_re" <(head -n 1 perf-diff.md)
check "check 1.10: md has the functions table" grep -q '| VERDICT | FUNCTION |' perf-diff.md
check "check 1.10: md names both sides" grep -q 'current 1/5: current.db:' perf-diff.md
regs=$(json_get perf-diff.json "d['summary']['regressions'] + (d['summary']['wall_verdict'] == 'regression')")
check "check 1.10: job status 1 exactly when the report has regressions ($status, $regs)" \
  test "$status" -eq "$([ "$regs" -gt 0 ] && echo 1 || echo 0)"
fails=$(junit_failures perf-junit.xml)
check "check 1.10: junit well-formed, failures = regressions ($fails = $regs)" test "$fails" = "$regs"
check "check 1.10: json has 5 runs per side" test "$(json_get perf-diff.json "len(d['base']), len(d['current'])")" = "5 5"
v=$(json_get perf-diff.json "[f['verdict'] for f in d['functions'] if f['function'] == 'normalize_reading'][0]")
echo "info normalize_reading with --slow normalize=1.10: $v ($(head -n 1 perf-diff.md))"

# 3. A large slowdown must be flagged: normalize_reading 4x its own work.
WORKLOAD="$sample 20000 --slow normalize=4" ./perf-gate.sh check >check4.out
status=$?
check "check 4x: exit 1 (got $status)" test "$status" -eq 1
v=$(json_get perf-diff.json "[f['verdict'] for f in d['functions'] if f['function'] == 'normalize_reading'][0]")
check "check 4x: normalize_reading is a regression (got $v)" test "$v" = regression
check "check 4x: junit has a failing normalize_reading" python3 -c "
import sys, xml.dom.minidom as m
cases = m.parse('perf-junit.xml').getElementsByTagName('testcase')
sys.exit(0 if any(c.getAttribute('name') == 'normalize_reading' and c.getElementsByTagName('failure') for c in cases) else 1)"
check "check 4x: --fail-on never exits 0" pscope-diff baseline.db:base current.db:pr --fail-on never -o never.txt

# 4. Broken jobs are not verdicts: bad option -> 2, missing baseline -> 3.
WORKLOAD="$sample 100" PSCOPE_DIFF_OPTS="--threshold abc" RUNS=1 ./perf-gate.sh check >/dev/null 2>&1
status=$?
check "bad option in PSCOPE_DIFF_OPTS: exit 2 (got $status)" test "$status" -eq 2
mv baseline.db baseline.keep
WORKLOAD="$sample 100" ./perf-gate.sh check >/dev/null 2>&1
status=$?
check "missing baseline: exit 3 (got $status)" test "$status" -eq 3
mv baseline.keep baseline.db
pscope-diff baseline.db:nosuchlabel current.db:pr >/dev/null 2>&1
status=$?
check "unknown label: exit 3 (got $status)" test "$status" -eq 3

# 5. Several databases per side (docs/ci.md, Variants): 2 vs 2 runs cannot reach alpha with
#    the exact rank test (smallest p 2/6), whatever the data.
for i in 1 2; do
  pscope-run -q -o "base-$i.db" -- "$sample" 2000 >/dev/null
  pscope-run -q -o "pr-$i.db" -- "$sample" 2000 --slow normalize=1.10 >/dev/null
done
pscope-diff --base base-1.db base-2.db --current pr-1.db pr-2.db --test mw --format json -o multi.json
status=$?
check "several databases: exit 0 (got $status)" test "$status" -eq 0
check "several databases: 2 runs per side" test "$(json_get multi.json "len(d['base']), len(d['current'])")" = "2 2"
check "several databases: every function not assessed" \
  test "$(json_get multi.json "d['summary']['not_assessed'] == len(d['functions']) > 0")" = True

# 6. The quick look with one run per side (docs/ci.md, Variants).
pscope-run -q -o base.db -- "$sample" 20000 >/dev/null
pscope-run -q -o cur.db -- "$sample" 20000 --slow normalize=1.10 >/dev/null
pscope-diff base.db cur.db >quick.txt
status=$?
check "quick look: exit 0 or 1 (got $status)" test "$status" -le 1
check "quick look: summary line first" grep -Eq "$summary_re" <(head -n 1 quick.txt)
check "quick look: header names both runs" grep -q 'current: cur.db:1' quick.txt
check "quick look: wall time not assessed with one run per side" grep -q 'one run per side' quick.txt

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
