#!/usr/bin/env bash
# tests/e2e/fuzz_regress.sh: the fuzz regression corpus. Replays every seed of
# tests/fuzz/corpus/<target>/ and every input `make fuzz` ever saved in
# tests/fuzz/crashes/<target>/ through the same entry points (tests/fuzz/targets.c),
# compiled without libFuzzer into $BUILD_DIR/tests/fuzz/replay by `make test` — so under
# `make check-asan` the replay runs with ASan and UBSan. One case per file: the replay must
# exit 0 within 60 s (a crash, a sanitizer report or a hang fails it).
#
# Ends with "N passed, M failed"; exit status 1 on any failure. BUILD_DIR selects the build.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD_DIR:-build}
replay="$build/tests/fuzz/replay"
passed=0; failed=0
if [ ! -x "$replay" ]; then
  echo "FAIL $replay missing (built by make test)"
  echo "0 passed, 1 failed"
  exit 1
fi
log=$(mktemp /tmp/pscope-fuzz-regress.XXXXXX) || exit 2
trap 'rm -f "$log"' EXIT
targets=$("$replay" --list)
for t in $targets; do
  n=0
  for f in tests/fuzz/corpus/"$t"/* tests/fuzz/crashes/"$t"/*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    timeout 60 "$replay" "$t" "$f" >"$log" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && ! grep -qE 'runtime error|Sanitizer' "$log"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL $t: $f (exit $rc)"
      grep -E 'ERROR|runtime error|SUMMARY|#[0-9] ' "$log" | head -n 12
    fi
  done
  echo "info $t: $n inputs replayed"
done
for d in tests/fuzz/crashes/*/; do
  [ -d "$d" ] || continue
  name=$(basename "$d")
  if ! grep -qx "$name" <<<"$targets"; then
    failed=$((failed + 1)); echo "FAIL tests/fuzz/crashes/$name: no such target"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
