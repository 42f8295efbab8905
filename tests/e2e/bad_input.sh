#!/usr/bin/env bash
# tests/e2e/bad_input.sh: the bad-input corpus (tests/data/bad/) against the tools and the
# collector. Every case asserts the exact exit code and a fragment of the one-line message,
# and that a failing tool leaves no output file (nor a temporary one) behind and never
# touches an existing target. Binary fixtures are generated at test time by
# tests/data/bad/make_fixtures.sh; the YAML fixtures are committed next to it.
#
# Cases: not a database, empty, truncated, newer user_version, foreign SQLite file, zero
# runs, an incomplete run only (a warning, exit 0), several incomplete runs, unknown run id
# and label; regex syntax error (offset reported); -o in a missing directory, a read-only
# directory, a directory; collector configs with tabs, wrong types, a wrong shape, a bad
# boolean, an unknown key (warning with line, the rest applies), a duplicate key — the
# program's exit status must be unchanged in every case. gnuplot: no tool runs gnuplot yet
# (see docs/hardening.md), so there is nothing to test for it.
#
# Ends with "N passed, M failed"; exit status 1 if anything failed. BUILD_DIR selects the build.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD_DIR:-build}
root=$PWD
stats="$root/$build/bin/pscope-stats"
diff="$root/$build/bin/pscope-diff"
lib="$root/$build/lib/libpscope.so"
prog="$root/$build/tests/progs/rate"
bad="$root/tests/data/bad"
schema_version=$(sed -n 's/^PRAGMA user_version = \([0-9]*\);.*/\1/p' sql/schema.sql)
passed=0; failed=0

ok()   { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

for f in "$stats" "$diff" "$lib" "$prog"; do
  [ -e "$f" ] || { echo "bad_input: $f missing (run make test)"; echo "0 passed, 1 failed"; exit 1; }
done

tmp=$(mktemp -d /tmp/pscope-bad.XXXXXX) || exit 2
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fx="$tmp/fx"
if ! "$bad/make_fixtures.sh" "$fx" >"$tmp/make.log" 2>&1; then
  cat "$tmp/make.log"
  echo "0 passed, 1 failed"
  exit 1
fi

# expect NAME RC FRAGMENT CMD...: exact exit code, FRAGMENT (fixed string) on stderr.
expect() {
  local name=$1 want=$2 frag=$3
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$name: exit $want (got $rc): $(head -c 300 "$tmp/err")"
  elif [ -n "$frag" ] && ! grep -qF -- "$frag" "$tmp/err"; then
    fail "$name: stderr lacks '$frag': $(head -c 300 "$tmp/err")"
  else
    ok "$name (exit $rc)"
  fi
}

# no_output NAME PATH: neither PATH nor a temporary ".<base>.XXXXXX" beside it exists.
no_output() {
  local name=$1 path=$2 dir base
  dir=$(dirname "$path"); base=$(basename "$path")
  if [ -e "$path" ]; then
    fail "$name: $path was written"
  elif compgen -G "$dir/.$base.*" >/dev/null; then
    fail "$name: temporary file left: $(compgen -G "$dir/.$base.*" | head -n 1)"
  else
    ok "$name: no output file left"
  fi
}

# ---- databases ------------------------------------------------------------------------
out="$tmp/report.csv"
for tool in stats diff; do
  if [ "$tool" = stats ]; then
    run() { "$stats" "$1" --format csv -o "$out"; }
  else
    run() { "$diff" "$1" "$fx/good.db" --format csv -o "$out"; }
  fi
  expect "$tool: not a database"  3 "notdb.db: not an SQLite database" run "$fx/notdb.db"
  no_output "$tool: not a database" "$out"
  expect "$tool: empty file"      3 "empty.db: empty file, not a pscope database" run "$fx/empty.db"
  no_output "$tool: empty file" "$out"
  expect "$tool: truncated"       3 "truncated.db: damaged database" run "$fx/truncated.db"
  no_output "$tool: truncated" "$out"
  expect "$tool: newer schema"    3 "newer.db: schema version 99 is newer than this pscope-$tool supports ($schema_version)" \
    run "$fx/newer.db"
  no_output "$tool: newer schema" "$out"
  expect "$tool: foreign SQLite"  3 "foreign.db: not a pscope database" run "$fx/foreign.db"
  expect "$tool: zero runs"       3 "zero_runs.db: no runs recorded" run "$fx/zero_runs.db"
  no_output "$tool: zero runs" "$out"
  expect "$tool: several incomplete runs" 3 "no complete run and 2 incomplete ones (1, 2)" \
    run "$fx/two_incomplete.db"
  expect "$tool: missing file"    3 "missing.db: cannot open: No such file or directory" \
    run "$fx/missing.db"
  no_output "$tool: missing file" "$out"
done

expect "stats: incomplete run only: used, with a warning" 0 \
  "warning: $fx/incomplete.db: run 1 is incomplete" "$stats" "$fx/incomplete.db"
if grep -q '^ *9 .*work' "$tmp/out"; then ok "stats: incomplete run's functions shown"; else fail "stats: incomplete run's functions shown"; fi
expect "diff: incomplete runs on both sides: compared, with a warning" 0 \
  "run 1 is incomplete" "$diff" "$fx/incomplete.db" "$fx/incomplete.db"

expect "stats: unknown run id"    3 "good.db: no run with id or label '42' (runs: 1; see --list-runs)" \
  "$stats" "$fx/good.db" --run 42
expect "stats: unknown label"     3 "no run with id or label 'nosuch'" "$stats" "$fx/good.db:nosuch"
expect "diff: unknown label"      3 "no run with id or label 'nosuch'" \
  "$diff" "$fx/good.db:nosuch" "$fx/good.db" -o "$out"
no_output "diff: unknown label" "$out"
expect "diff: unknown run id"     3 "no run with id or label '7'" "$diff" "$fx/good.db" "$fx/good.db:7"

# ---- regular expressions ----------------------------------------------------------------
expect "stats: bad --filter regex" 2 "--filter: bad pattern '(ab' at offset 3: missing closing parenthesis" \
  "$stats" "$fx/good.db" --filter '(ab'
expect "stats: bad --exclude regex" 2 "--exclude: bad pattern 'a[' at offset 2" \
  "$stats" "$fx/good.db" --exclude 'a['
expect "diff: bad --filter regex" 2 "--filter: bad pattern 'x{2,1}' at offset" \
  "$diff" "$fx/good.db" "$fx/good.db" --filter 'x{2,1}' -o "$out"
no_output "diff: bad regex" "$out"

# ---- output paths -----------------------------------------------------------------------
expect "stats: -o in a missing directory" 2 "cannot write $tmp/nodir/x.csv: No such file or directory" \
  "$stats" "$fx/good.db" -o "$tmp/nodir/x.csv"
expect "diff: -o in a missing directory" 2 "cannot write $tmp/nodir/x.md: No such file or directory" \
  "$diff" "$fx/good.db" "$fx/good.db" --format md -o "$tmp/nodir/x.md"
mkdir "$tmp/isdir"
expect "stats: -o names a directory" 2 "cannot write $tmp/isdir: is a directory" \
  "$stats" "$fx/good.db" -o "$tmp/isdir"
# A read-only directory: root ignores permissions, so as root the tools run as nobody.
rodir="$tmp/ro"
mkdir "$rodir" && chmod 555 "$rodir"
chmod 755 "$tmp" "$fx" && chmod 644 "$fx"/*.db
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null &&
     setpriv --reuid=65534 --regid=65534 --clear-groups "$stats" --version >/dev/null 2>&1; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  else
    as_user=(skip)
  fi
fi
if [ "${as_user[0]:-}" = skip ]; then
  echo "info read-only directory: skipped (root, and nobody cannot run $stats via setpriv)"
else
  expect "stats: -o in a read-only directory" 2 "cannot write $rodir/x.csv: Permission denied" \
    "${as_user[@]}" "$stats" "$fx/good.db" -o "$rodir/x.csv"
  no_output "stats: read-only directory" "$rodir/x.csv"
  expect "diff: -o in a read-only directory" 2 "cannot write $rodir/x.json: Permission denied" \
    "${as_user[@]}" "$diff" "$fx/good.db" "$fx/good.db" --format json -o "$rodir/x.json"
fi

# A failure after the output was opened (--exact on a sampled run) leaves no file, and an
# existing target is never touched by a failing run.
expect "stats: --exact on a sampled run" 3 "--exact needs every call of the run, but run 1 stored 4 of 10 calls" \
  "$stats" "$fx/good.db" --exact -o "$out"
no_output "stats: failure after opening -o" "$out"
printf 'OLD\n' > "$out"
expect "stats: failing run with an existing target" 3 "--exact needs every call" \
  "$stats" "$fx/good.db" --exact --format csv -o "$out"
if [ "$(cat "$out")" = OLD ]; then ok "stats: existing target untouched"; else fail "stats: existing target untouched"; fi
expect "diff: failing run with an existing target" 3 "no run with id or label 'nosuch'" \
  "$diff" "$fx/good.db" "$fx/good.db:nosuch" --format csv -o "$out"
if [ "$(cat "$out")" = OLD ]; then ok "diff: existing target untouched"; else fail "diff: existing target untouched"; fi
rm -f "$out"
expect "stats: good run to -o" 0 "" "$stats" "$fx/good.db" --format csv -o "$out"
if [ -s "$out" ] && head -n 1 "$out" | grep -q '^function_id,name,'; then ok "stats: -o written completely"; else fail "stats: -o written completely"; fi

# ---- collector configuration ------------------------------------------------------------
# The program runs with the collector preloaded and PSCOPE_CONFIG=FILE; a bad config is one
# "pscope: FILE:LINE: ..." line, profiling stays off (no database) and the exit status of
# the program (7 here) is unchanged.
collector() { # collector NAME YAML RC FRAGMENT DB_EXPECTED(yes|no)
  local name=$1 yaml=$2 want=$3 frag=$4 dbwant=$5 db="$tmp/collect.db"
  rm -f "$db" "$db"-wal "$db"-shm
  (cd "$tmp" && LD_PRELOAD="$lib" PSCOPE_CONFIG="$bad/$yaml" PSCOPE_OUTPUT="$db" \
     "$prog" 5 exit 7) >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "config $name: program exit status $want unchanged (got $rc)"
  elif ! grep -qF -- "$frag" "$tmp/err"; then
    fail "config $name: stderr lacks '$frag': $(head -c 300 "$tmp/err")"
  elif [ "$dbwant" = no ] && [ -e "$db" ]; then
    fail "config $name: profiling should be off, but $db was written"
  elif [ "$dbwant" = yes ] && [ ! -s "$db" ]; then
    fail "config $name: profiling should be on, but no database"
  else
    ok "config $name (exit $rc, database: $dbwant)"
  fi
}
collector "tabs" tabs.yaml 7 \
  "pscope: $bad/tabs.yaml:4: YAML error: found character that cannot start any token; profiling off" no
collector "wrong type" wrong_type.yaml 7 \
  "pscope: $bad/wrong_type.yaml:3: max_calls: expected a non-negative integer (0 = unlimited) (got 'lots'); profiling off" no
collector "wrong shape" wrong_shape.yaml 7 \
  "pscope: $bad/wrong_shape.yaml:2: exclude: expected a single value or a list of strings; profiling off" no
collector "bad boolean" bad_bool.yaml 7 \
  "pscope: $bad/bad_bool.yaml:2: enabled: expected true or false (got 'maybe'); profiling off" no
collector "duplicate key" duplicate_key.yaml 7 \
  "pscope: $bad/duplicate_key.yaml:4: duplicate key 'max_calls'; profiling off" no
collector "unknown key" unknown_key.yaml 7 \
  "pscope: $bad/unknown_key.yaml:4: unknown key 'colour' ignored" yes
if [ "$(grep -c '^pscope:' "$tmp/err")" -eq 1 ]; then ok "config unknown key: exactly one warning line"; else fail "config unknown key: exactly one warning line"; fi
stored=$(sqlite3 "$tmp/collect.db" 'SELECT calls_stored, calls_seen > 5 FROM run' 2>&1)
if [ "$stored" = "5|1" ]; then ok "config unknown key: the other keys still apply (max_calls 5)"; else fail "config unknown key: max_calls 5 applied (got '$stored')"; fi
collector "missing file" no-such.yaml 7 "pscope: $bad/no-such.yaml: cannot read: No such file or directory; profiling off" no

echo "info gnuplot: no pscope tool runs gnuplot yet, so missing/failing gnuplot has no case"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
