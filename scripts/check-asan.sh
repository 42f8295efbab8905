#!/usr/bin/env bash
# scripts/check-asan.sh: `make check-asan` — build everything (collector, tools, samples,
# test programs, CUnit tests, fuzz replay) with AddressSanitizer + UndefinedBehaviorSanitizer
# into its own build directory and run the whole test suite there. Exit 0 only when the
# build and every test pass with no sanitizer report.
#
# Environment (set by mk/hardening.mk; defaults for running it by hand):
#   MAKE, ASAN_B (build-asan), SAN_FLAGS, LIBS_COLLECT_BASE (the Makefile's LIBS_COLLECT).
#
# How the collector runs under ASan (docs/hardening.md has the reasoning):
#  * libpscope.so is linked against libasan/libubsan (LIBS_COLLECT += SAN_FLAGS), so
#    preloading it into a program that has no sanitizer runtime (pscope-run /bin/true)
#    still resolves the __asan_* symbols;
#  * ASAN_OPTIONS=verify_asan_link_order=0: LD_PRELOAD puts libpscope.so (not libasan)
#    first in the library list, which ASan otherwise refuses;
#  * leaks: LeakSanitizer is on for everything; allocations whose stack passes through
#    libpscope.so are suppressed, because the collector deliberately keeps its state alive
#    until the process ends (and a forked child inherits the parent's). Stacks are unwound
#    with DWARF (fast_unwind_on_malloc=0) so that allocations made by SQLite or libdw on
#    the collector's behalf are attributed to libpscope.so too. Tool leaks are NOT
#    suppressed (and check-valgrind checks the tools' leaks independently).
set -u
cd "$(dirname "$0")/.." || exit 2
MAKE=${MAKE:-make}
ASAN_B=${ASAN_B:-build-asan}
SAN_FLAGS=${SAN_FLAGS:--fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all}
LIBS_COLLECT_BASE=${LIBS_COLLECT_BASE:--lsqlite3 -lcjson -lyaml -lpcre2-8 -ldw -lelf -lpthread -ldl -lm}

start=$(date +%s)
mkdir -p "$ASAN_B" || exit 2
supp="$PWD/$ASAN_B/lsan.supp"
printf '%s\n' '# written by scripts/check-asan.sh: the collector keeps its state until exit' \
  'leak:libpscope.so' > "$supp" || exit 2

export BUILD_DIR="$ASAN_B"
export ASAN_OPTIONS="verify_asan_link_order=0:fast_unwind_on_malloc=0:detect_leaks=1"
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# `make test` in the sanitized build: builds every test prerequisite, then runs
# scripts/run_tests.sh with BUILD_DIR=$ASAN_B (exported above).
# A hang (e.g. a deadlock in a forked child, see docs/hardening.md) must fail the check
# rather than stall CI: the whole run is bounded by CHECK_ASAN_TIMEOUT seconds (timeout(1)
# signals its entire process group).
timeout -k 20 "${CHECK_ASAN_TIMEOUT:-2400}" \
  "$MAKE" --no-print-directory B="$ASAN_B" OPT="-O1 -g" \
  EXTRA_CFLAGS="$SAN_FLAGS" EXTRA_LDFLAGS="$SAN_FLAGS" \
  LIBS_COLLECT="$LIBS_COLLECT_BASE $SAN_FLAGS" test
rc=$?
[ "$rc" -eq 124 ] && echo "check-asan: timed out after ${CHECK_ASAN_TIMEOUT:-2400} s" >&2
echo "check-asan: $( [ $rc -eq 0 ] && echo passed || echo FAILED ) in $(( $(date +%s) - start )) s (build dir $ASAN_B)"
exit $rc
