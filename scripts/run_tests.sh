#!/usr/bin/env bash
# scripts/run_tests.sh: the test runner behind `make test`.
# Runs every CUnit binary build/tests/test_* and every end-to-end script tests/e2e/*.sh,
# adds up their results and ends with one line "N passed, M failed". Exit 0 only when
# nothing failed and at least one test ran. BUILD_DIR (default build) selects the build.
set -u
cd "$(dirname "$0")/.." || exit 2
build=${BUILD_DIR:-build}
passed=0; failed=0; broken=()
log_dir=$(mktemp -d /tmp/pscope-tests.XXXXXX)

for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  log="$log_dir/$name.log"
  start=$(date +%s.%N)
  "$t" >"$log" 2>&1; rc=$?
  # CUnit's summary row: "tests  <total> <ran> <passed> <failed> <inactive>"
  read -r ran ok bad < <(awk '$1=="tests" && NF>=6 {print $3, $4, $5}' "$log" | tail -n 1)
  ran=${ran:-0}; ok=${ok:-0}; bad=${bad:-0}
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi   # crashed before its summary
  passed=$((passed + ok)); failed=$((failed + bad))
  printf '%-28s %3s passed, %s failed  (%.1fs)\n' "$name" "$ok" "$bad" "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')"
  if [ "$bad" -ne 0 ]; then broken+=("$name"); grep -E 'FAILED|Test: .*\.\.\.FAILED|^\s+[0-9]+\. ' "$log" | head -40; fi
done

for t in tests/e2e/*.sh; do
  [ -f "$t" ] || continue
  name=$(basename "$t" .sh)
  log="$log_dir/e2e-$name.log"
  BUILD_DIR="$build" bash "$t" >"$log" 2>&1; rc=$?
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  ok=$(echo "$line" | awk '{print $1}'); bad=$(echo "$line" | awk '{print $3}')
  ok=${ok:-0}; bad=${bad:-0}
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
  passed=$((passed + ok)); failed=$((failed + bad))
  printf '%-28s %3s passed, %s failed\n' "e2e/$name" "$ok" "$bad"
  if [ "$bad" -ne 0 ]; then broken+=("e2e/$name"); tail -n 30 "$log"; fi
done

if [ ${#broken[@]} -gt 0 ]; then
  echo "failing: ${broken[*]} (logs in $log_dir)"
else
  rm -rf "$log_dir"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
