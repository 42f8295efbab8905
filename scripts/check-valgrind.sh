#!/usr/bin/env bash
# scripts/check-valgrind.sh: `make check-valgrind` — every tool run under valgrind memcheck
# (--error-exitcode, full leak check) on databases profiled from the samples.
#
# Builds the normal configuration into $VALGRIND_B (default build-valgrind), profiles the
# samples with pscope-run (natively), then runs pscope-stats in each of its modes and
# formats, pscope-diff in each format and with repeated runs, and pscope-run itself under
# memcheck. A case passes when the tool's exit status is the expected one, which memcheck
# replaces by 99 on any invalid access, use of uninitialised memory or definite/indirect/
# possible leak. Ends with "N passed, M failed"; exit 1 on any failure, 2 if the build fails.
set -u
cd "$(dirname "$0")/.." || exit 2
MAKE=${MAKE:-make}
VALGRIND_B=${VALGRIND_B:-build-valgrind}
start=$(date +%s)

scripts/deps.sh valgrind || exit 2
"$MAKE" --no-print-directory B="$VALGRIND_B" all >/dev/null || { echo "check-valgrind: build failed" >&2; exit 2; }
bin="$VALGRIND_B/bin"
smp="$VALGRIND_B/samples"
tmp=$(mktemp -d /tmp/pscope-valgrind.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0

# ---- sample databases (profiled natively) ----------------------------------------------
profile() { # profile DB LABEL CMD...
  local db=$1 label=$2
  shift 2
  "$bin/pscope-run" -q -o "$db" --label "$label" -- "$@" >/dev/null 2>"$tmp/profile.err" ||
    { echo "check-valgrind: profiling $* failed:"; cat "$tmp/profile.err"; exit 2; }
}
for i in 1 2 3; do
  profile "$tmp/pipe.db" base "$smp/sensor_pipeline" 2000
  profile "$tmp/pipe.db" slow "$smp/sensor_pipeline" 2000 --slow normalize=3
done
PSCOPE_MAX_CALLS=0 profile "$tmp/linear.db" all "$smp/linear" 2000
PSCOPE_MAX_CALLS=100 profile "$tmp/sampled.db" sampled "$smp/linear" 2000
profile "$tmp/nested.db" n "$smp/nested"
profile "$tmp/dag.db" d "$smp/dag"
profile "$tmp/threads.db" t "$smp/threads"
printf 'not a database\n' > "$tmp/notdb.db"

vg=(valgrind --tool=memcheck -q --error-exitcode=99 --leak-check=full
    --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible
    --track-origins=yes)

# run NAME RC CMD...: CMD under memcheck must exit RC.
run() {
  local name=$1 want=$2
  shift 2
  "${vg[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then
    passed=$((passed + 1)); echo "ok   $name (exit $rc)"
  else
    failed=$((failed + 1)); echo "FAIL $name: exit $want expected, got $rc$( [ "$rc" -eq 99 ] && echo ' (memcheck error)')"
    grep -E '^==[0-9]+==' "$tmp/err" | head -n 40
  fi
}

S="$bin/pscope-stats"
D="$bin/pscope-diff"
for db in pipe linear nested dag threads; do
  f="$tmp/$db.db"
  run "stats $db: table" 0 "$S" "$f"
  run "stats $db: --hotspots" 0 "$S" "$f" --hotspots
  run "stats $db: --tree" 0 "$S" "$f" --tree
  run "stats $db: --threads" 0 "$S" "$f" --threads
  run "stats $db: --stages" 0 "$S" "$f" --stages
  run "stats $db: --resources" 0 "$S" "$f" --resources
  run "stats $db: --list-runs" 0 "$S" "$f" --list-runs
done
f="$tmp/pipe.db"
for fmt in csv json md; do
  run "stats pipe: table --format $fmt -o" 0 "$S" "$f:base" --format "$fmt" -o "$tmp/o.$fmt"
  run "stats pipe: --tree --format $fmt" 0 "$S" "$f" --tree --format "$fmt"
  run "stats pipe: --hotspots --format $fmt" 0 "$S" "$f" --hotspots --format "$fmt"
done
run "stats pipe: --callers normalize_reading" 0 "$S" "$f" --callers normalize_reading
run "stats pipe: --callees main --format json" 0 "$S" "$f" --callees main --format json
run "stats pipe: --filter/--exclude/--sort/--top" 0 "$S" "$f" --filter 'window|normal' --exclude '^main$' --sort calls,name --top 5
run "stats pipe: --tree --depth 3 --min-share 1" 0 "$S" "$f" --tree --depth 3 --min-share 1
run "stats linear: --exact" 0 "$S" "$tmp/linear.db" --exact --format json
run "stats: --exact on a sampled run (refused)" 3 "$S" "$tmp/sampled.db" --exact -o "$tmp/x.csv"
run "stats: not a database" 3 "$S" "$tmp/notdb.db"
run "stats: unknown run" 3 "$S" "$f" --run nosuch
run "stats: bad regex" 2 "$S" "$f" --filter '(x'
run "stats: -o in a missing directory" 2 "$S" "$f" -o "$tmp/nodir/x"

"$D" "$f:base" "$f:slow" >/dev/null 2>&1
drc=$?
for fmt in table csv json md junit; do
  run "diff pipe base/slow (3 runs each): --format $fmt" "$drc" "$D" "$f:base" "$f:slow" --format "$fmt"
done
run "diff one run per side, -o" 0 "$D" "$f:1" "$f:2" --fail-on never --format md -o "$tmp/d.md"
run "diff --base/--current, --filter, --sort p" 0 "$D" --base "$f:1" "$f:3" --current "$f:2" "$f:4" --filter norm --sort p --fail-on never
run "diff different programs" 0 "$D" "$tmp/linear.db" "$tmp/nested.db" --fail-on never --format json
run "diff: not a database" 3 "$D" "$tmp/notdb.db" "$f"
run "diff: unknown label" 3 "$D" "$f:nosuch" "$f"
run "diff: usage error" 2 "$D" "$f"

run "pscope-run linear" 0 "$bin/pscope-run" -q -o "$tmp/run.db" -- "$smp/linear" 500
run "pscope-run: exit status passed through" 1 "$bin/pscope-run" -q -o "$tmp/run.db" -- false
run "pscope-run: command not found" 127 "$bin/pscope-run" -o "$tmp/run.db" no-such-program-pscope
run "pscope-run: usage error" 2 "$bin/pscope-run"

echo "check-valgrind: $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
