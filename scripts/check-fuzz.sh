#!/usr/bin/env bash
# scripts/check-fuzz.sh: `make fuzz` — builds one libFuzzer binary per target of
# tests/fuzz/targets.c with clang (-fsanitize=fuzzer,address,undefined) over a clang build of
# libpscope_tools.a with coverage, runs each for FUZZ_SECONDS from its seed corpus
# tests/fuzz/corpus/<target>/ (new inputs go to $FUZZ_B/corpus/<target>/, not into git),
# and keeps every crash, leak, timeout or out-of-memory input in tests/fuzz/crashes/<target>/,
# where tests/e2e/fuzz_regress.sh replays it under `make test` from then on.
#
# Environment (from mk/hardening.mk): MAKE, FUZZ_B (build-fuzz), FUZZ_SECONDS (60),
# FUZZ_TARGETS ("config db spec regex traceblk"). Exit 0 when no target found anything, 1 when some
# target saved an input (listed at the end), 2 when the build failed.
set -u
cd "$(dirname "$0")/.." || exit 2
MAKE=${MAKE:-make}
FUZZ_B=${FUZZ_B:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-config db spec regex chrome cprofile uftrace traceblk}

# clang and its libFuzzer runtime (Debian: clang, libclang-rt-14-dev).
scripts/deps.sh clang || exit 2
rt=$(clang -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-x86_64.a
if [ ! -f "$rt" ]; then
  ver=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
  scripts/deps.sh "libclang-rt-$ver-dev" || exit 2
fi

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
bins=()
for t in $FUZZ_TARGETS; do bins+=("$FUZZ_B/fuzz/fuzz_$t"); done
if ! "$MAKE" --no-print-directory B="$FUZZ_B" CC=clang OPT="-O1 -g" EXTRA_CFLAGS="$flags" \
       "$FUZZ_B/lib/libpscope_tools.a" "${bins[@]}"; then
  echo "fuzz: build failed" >&2
  exit 2
fi

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
found=()
printf '%-8s %8s %12s %10s %8s  %s\n' target seconds executions exec/s corpus result
for t in $FUZZ_TARGETS; do
  seeds="tests/fuzz/corpus/$t" work="$FUZZ_B/corpus/$t" crashes="tests/fuzz/crashes/$t"
  log="$FUZZ_B/fuzz_$t.log"
  mkdir -p "$work" "$crashes" || exit 2
  maxlen=4096
  [ "$t" = db ] && maxlen=65536
  before=$(find "$crashes" -type f | wc -l)
  start=$(date +%s)
  # -close_fd_mask=3: the targets' own diagnostics are expected; libFuzzer and the
  # sanitizers still report on their own descriptor.
  "$FUZZ_B/fuzz/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$maxlen" -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$work" "$seeds" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  after=$(find "$crashes" -type f | wc -l)
  result=ok
  if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
    result="FOUND $((after - before)) input(s) (exit $rc; log $log)"
    found+=("$t")
  fi
  printf '%-8s %8s %12s %10s %8s  %s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" \
    "$(find "$work" -type f | wc -l)" "$result"
done
if [ ${#found[@]} -gt 0 ]; then
  echo "fuzz: inputs saved under tests/fuzz/crashes/ for: ${found[*]} (replayed by make test)"
  exit 1
fi
echo "fuzz: no crash, leak, timeout or OOM in $FUZZ_SECONDS s per target"
