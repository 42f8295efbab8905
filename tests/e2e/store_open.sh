#!/usr/bin/env bash
# tests/e2e/store_open.sh: how the collector opens the run database in the situations users
# create, with exact expectations:
#   - first use by 4 processes at once (20 trials of 4 = 80 runs): every run is recorded
#     complete and nothing is printed (the schema is created once, under the write lock,
#     and the others see it whole);
#   - a database whose directory is not writable, and a read-only database file: one
#     message that says so, and the program's own exit status and output are unchanged
#     (the same for a directory that does not exist);
#   - a foreign SQLite database is refused untouched with a message naming what it holds.
# Ends with "N passed, M failed"; exit status non-zero on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD_DIR:-build}
lib=$(cd "$build/lib" && pwd)/libpscope.so
prog=$(cd "$build/tests/progs" && pwd)/chain
tmp=$(mktemp -d /tmp/pscope-store.XXXXXX)
chmod 755 "$tmp"
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
passed=0; failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
expect_eq() { # expect_eq NAME GOT WANT
  if [ "$2" = "$3" ]; then pass; else fail "$1: got '$2', want '$3'"; fi
}

# ---- 4 processes, first use, 20 trials ------------------------------------------------
# Under make check-asan, leak checking with DWARF unwinding on every malloc makes each of
# these 80 processes slow; the other tests check leaks, these check the race.
trial_env=()
[ -n "${ASAN_OPTIONS:-}" ] && trial_env=(ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0:fast_unwind_on_malloc=1")
complete=0; noisy=0
for trial in $(seq 1 20); do
  d="$tmp/first$trial"; mkdir -p "$d"
  for p in 1 2 3 4; do
    env "${trial_env[@]}" LD_PRELOAD="$lib" PSCOPE_OUTPUT="$d/prof.db" "$prog" 2>"$d/err$p" &
  done
  wait
  n=$(sqlite3 "$d/prof.db" "SELECT count(*) FROM run WHERE complete = 1 AND calls_seen = 4" 2>&1)
  complete=$((complete + ${n//[^0-9]/}))
  for p in 1 2 3 4; do
    if [ -s "$d/err$p" ]; then noisy=$((noisy + 1)); [ "$noisy" -le 3 ] && echo "trial $trial: $(head -c 300 "$d/err$p")"; fi
  done
done
expect_eq "concurrent first use: complete runs of 80" "$complete" 80
expect_eq "concurrent first use: processes that printed a message" "$noisy" 0

# ---- read-only places ------------------------------------------------------------------
# root ignores permission bits, so the unwritable cases run as an unprivileged user.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  else
    echo "skipped: read-only cases need setpriv when run as root"
  fi
fi
if [ "$(id -u)" -ne 0 ] || [ ${#as_user[@]} -gt 0 ]; then
  ro="$tmp/readonly"; mkdir -p "$ro"; chmod 555 "$ro"
  out=$("${as_user[@]}" env LD_PRELOAD="$lib" PSCOPE_OUTPUT="$ro/prof.db" "$prog" 2>&1); rc=$?
  expect_eq "read-only directory: program exit status" "$rc" 0
  expect_eq "read-only directory: message" "$out" \
    "pscope: $ro/prof.db: cannot create the database: directory $ro is not writable; profiling off"
  expect_eq "read-only directory: nothing created" "$(ls -A "$ro")" ""

  # An existing database in a directory that is not writable: WAL needs -wal/-shm beside it.
  ro2="$tmp/readonly2"; mkdir -p "$ro2"
  env LD_PRELOAD="$lib" PSCOPE_OUTPUT="$ro2/prof.db" "$prog" 2>/dev/null
  rm -f "$ro2"/prof.db-*; chmod 555 "$ro2"; chmod 644 "$ro2/prof.db"
  out=$("${as_user[@]}" env LD_PRELOAD="$lib" PSCOPE_OUTPUT="$ro2/prof.db" "$prog" 2>&1); rc=$?
  expect_eq "existing database, read-only directory: program exit status" "$rc" 0
  expect_eq "existing database, read-only directory: message" "$out" \
    "pscope: $ro2/prof.db: cannot write: directory $ro2 is not writable (SQLite keeps its -wal and -shm files beside the database); profiling off"
  expect_eq "existing database, read-only directory: still one run" "$(sqlite3 -readonly "$ro2/prof.db" 'SELECT count(*) FROM run')" 1

  # A read-only database file in a writable directory.
  rw="$tmp/rofile"; mkdir -p "$rw"; chmod 777 "$rw"
  env LD_PRELOAD="$lib" PSCOPE_OUTPUT="$rw/prof.db" "$prog" 2>/dev/null
  rm -f "$rw"/prof.db-*; chmod 444 "$rw/prof.db"
  out=$("${as_user[@]}" env LD_PRELOAD="$lib" PSCOPE_OUTPUT="$rw/prof.db" "$prog" 2>&1); rc=$?
  expect_eq "read-only database file: program exit status" "$rc" 0
  expect_eq "read-only database file: message" "$out" \
    "pscope: $rw/prof.db: cannot write: the file is read-only for this user; profiling off"
fi

# ---- a directory that does not exist ----------------------------------------------------
out=$(env LD_PRELOAD="$lib" PSCOPE_OUTPUT="$tmp/no/such/dir/prof.db" "$prog" 2>&1); rc=$?
expect_eq "missing directory: program exit status" "$rc" 0
expect_eq "missing directory: message" "$out" \
  "pscope: $tmp/no/such/dir/prof.db: cannot create the database: directory $tmp/no/such/dir does not exist; profiling off"

# ---- a foreign SQLite database ---------------------------------------------------------
sqlite3 "$tmp/foreign.db" "CREATE TABLE t(x); CREATE TABLE u(y)"
sum=$(md5sum < "$tmp/foreign.db")
out=$(env LD_PRELOAD="$lib" PSCOPE_OUTPUT="$tmp/foreign.db" "$prog" 2>&1); rc=$?
expect_eq "foreign database: program exit status" "$rc" 0
expect_eq "foreign database: message" "$out" \
  "pscope: $tmp/foreign.db: an SQLite database with 2 schema objects of its own and no pscope schema (user_version 0); not writing; profiling off"
expect_eq "foreign database: untouched" "$(md5sum < "$tmp/foreign.db")" "$sum"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
