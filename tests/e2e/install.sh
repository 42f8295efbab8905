#!/usr/bin/env bash
# tests/e2e/install.sh: `make install` into a temporary prefix gives a working toolkit:
# the installed pscope-run finds the installed library, pkg-config links a program with
# the collector, headers/SQL/pkg-config file are in place, and uninstall removes them.
# Ends with "N passed, M failed"; exit status non-zero on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD_DIR:-build}
tmp=$(mktemp -d /tmp/pscope-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
passed=0; failed=0
check() { # check NAME COMMAND...
  local name=$1; shift
  if "$@" >"$tmp/out" 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; tail -5 "$tmp/out"; fi
}

check "make install" make -s B="$build" install PREFIX="$prefix"
for f in bin/pscope-run bin/pscope-stats bin/pscope-diff lib/libpscope.so lib/libpscope.a \
         include/pscope.h lib/pkgconfig/pscope.pc share/pscope/sql/schema.sql; do
  check "installed $f" test -e "$prefix/$f"
done
check "pc prefix" grep -qx "prefix=$prefix" "$prefix/lib/pkgconfig/pscope.pc"
check "pc version" grep -q "^Version: $(sed -n 's/^#define PSCOPE_VERSION "\(.*\)"/\1/p' libcollect/pscope.h)$" "$prefix/lib/pkgconfig/pscope.pc"

cat > "$tmp/app.c" <<'C'
#include <pscope.h>
#include <stdio.h>
__attribute__((noinline)) static int twice(int x) { return 2 * x; }
int main(void) { int s = 0; for (int i = 0; i < 10; i++) s += twice(i); printf("%d\n", s); return 0; }
C
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
check "link with pkg-config" bash -c "cc -O1 -fno-inline -o '$tmp/app' '$tmp/app.c' \$(pkg-config --cflags --libs pscope) -Wl,-rpath,'$prefix/lib'"
check "linked app profiles itself" env PSCOPE_OUTPUT="$tmp/linked.db" "$tmp/app"
check "linked run recorded twice() 10 times" test "$(sqlite3 "$tmp/linked.db" "SELECT calls FROM function_summary WHERE name='twice'")" = 10
check "installed pscope-run" "$prefix/bin/pscope-run" -q -o "$tmp/run.db" -- "$build/tests/progs/foo_loop"
check "installed pscope-run recorded the run" test "$(sqlite3 "$tmp/run.db" "SELECT calls_seen FROM run")" = 9
check "installed pscope-stats reads it" "$prefix/bin/pscope-stats" "$tmp/run.db" --format csv
mkdir -p "$tmp/proj/sub" && cp "$tmp/run.db" "$tmp/proj/from-config.db" && printf 'output: from-config.db\n' > "$tmp/proj/.pscope.yaml"
check "stats finds the database through .pscope.yaml" bash -c "cd '$tmp/proj/sub' && env -u PSCOPE_OUTPUT '$prefix/bin/pscope-stats' --format csv | grep -q ',loop,'"
check "make uninstall" make -s B="$build" uninstall PREFIX="$prefix"
check "uninstalled" test ! -e "$prefix/bin/pscope-run" -a ! -e "$prefix/lib/libpscope.so" -a ! -e "$prefix/include/pscope.h"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
