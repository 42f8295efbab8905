#!/usr/bin/env bash
# tests/e2e/install.sh: `make install` into a temporary prefix gives a working toolkit:
# the installed pscope-run finds the installed library, pkg-config links a program with
# the collector that starts without the prefix on the loader path (rpath), static programs
# get the linking recipe from pscope-run and link libpscope.a with `pkg-config --static`
# (fully static where every dependency has a static archive, semi-static always),
# headers/SQL/pkg-config file are in place, and uninstall removes them.
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
# The README's command exactly: the prefix is not on the loader path, so the program only
# starts because pscope.pc's Libs carry an rpath.
check "link with pkg-config (README command)" bash -c "cc -O1 -fno-inline -o '$tmp/app' '$tmp/app.c' \$(pkg-config --cflags --libs pscope)"
check "linked app starts from a fresh prefix and profiles itself" env -u LD_LIBRARY_PATH -u LD_PRELOAD PSCOPE_OUTPUT="$tmp/linked.db" "$tmp/app"
check "linked run recorded twice() 10 times" test "$(sqlite3 "$tmp/linked.db" "SELECT calls FROM function_summary WHERE name='twice'")" = 10
check "libpscope.so resolved from the prefix" bash -c "env -u LD_LIBRARY_PATH ldd '$tmp/app' | grep -qF 'libpscope.so => $prefix/lib/libpscope.so'"

# ---- static programs ---------------------------------------------------------------------
# A static program without the collector: pscope-run refuses with the recipe, exit 2.
cc -static -O1 -fno-inline -finstrument-functions -o "$tmp/plain-static" "$tmp/app.c" -I "$prefix/include" 2>/dev/null
"$prefix/bin/pscope-run" -o "$tmp/plain.db" -- "$tmp/plain-static" >/dev/null 2>"$tmp/static.err"; rc=$?
check "static program: pscope-run exit status 2" test "$rc" = 2
check "static program: message" test "$(head -1 "$tmp/static.err")" = "pscope-run: $tmp/plain-static is statically linked: the collector cannot be preloaded into it. Link the collector in instead and run it with PSCOPE_OUTPUT set, e.g."
check "static program: the pkg-config command is given" grep -qF '$(pkg-config --static --libs pscope)' "$tmp/static.err"
check "static program: not run, no database" test ! -e "$tmp/plain.db"

# Fully static link with `pkg-config --static --libs pscope`: needs a static archive of
# every dependency. Debian ships none for cJSON (libcjson-dev has only the .so): then the
# link must fail on -lcjson alone, and without it only cJSON symbols may be missing, which
# proves every other dependency is listed.
static_libs=$(pkg-config --static --libs pscope)
# Under make check-asan libpscope.a holds sanitized objects: a program linking it needs the
# sanitizer runtimes (so no fully static link), and its collector's deliberate end-of-run
# allocations are not under libpscope.so, where the leak suppression looks.
san_flags=() san_env=()
if nm "$prefix/lib/libpscope.a" 2>/dev/null | grep -q ' U __asan_'; then
  san_flags=(-fsanitize=address,undefined)
  san_env=(ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0")
fi
if [ ${#san_flags[@]} -gt 0 ]; then
  echo "note: sanitized build: the fully static link is not checked (the sanitizers need the dynamic loader)"
elif [ -f "$(cc -print-file-name=libcjson.a)" ]; then
  check "static link with pkg-config --static" bash -c "cc -static -O1 -fno-inline -o '$tmp/app-static' '$tmp/app.c' \$(pkg-config --cflags pscope) $static_libs"
  check "static app has no interpreter" bash -c "! readelf -l '$tmp/app-static' | grep -q INTERP"
  check "static app profiles itself" env PSCOPE_OUTPUT="$tmp/static.db" "$tmp/app-static"
  check "static run recorded twice() 10 times" test "$(sqlite3 "$tmp/static.db" "SELECT calls FROM function_summary WHERE name='twice'")" = 10
else
  echo "note: no libcjson.a on this system: checking that cJSON is the only missing static archive"
  cc -static -O1 -fno-inline -o "$tmp/app-static" "$tmp/app.c" $(pkg-config --cflags pscope) $static_libs 2>"$tmp/ld.err"
  check "static link fails on -lcjson alone" test "$(grep -v 'warning' "$tmp/ld.err" | grep -c 'ld: ')" = 1 -a "$(grep -c 'cannot find -lcjson' "$tmp/ld.err")" = 1
  cc -static -O1 -fno-inline -o "$tmp/app-static" "$tmp/app.c" $(pkg-config --cflags pscope) ${static_libs//-lcjson/} 2>"$tmp/ld2.err"
  check "static link without cJSON: only cJSON symbols undefined" test "$(grep -o "undefined reference to \`[^']*'" "$tmp/ld2.err" | grep -vc "\`cJSON_")" = 0 -a "$(grep -c "undefined reference to \`cJSON_" "$tmp/ld2.err")" -gt 0
fi

# Semi-static: the collector linked in from libpscope.a, its dependencies shared (works
# with Debian's packages). pscope-run sees the collector inside and does not preload a
# second one.
check "semi-static link with libpscope.a" bash -c "cc ${san_flags[*]} -O1 -fno-inline -o '$tmp/app-semi' '$tmp/app.c' \$(pkg-config --cflags pscope) -Wl,-Bstatic -lpscope -Wl,-Bdynamic -Wl,--as-needed $static_libs"
check "semi-static app needs no libpscope.so" bash -c "! readelf -d '$tmp/app-semi' | grep -q 'libpscope.so'"
check "semi-static app under pscope-run" env "${san_env[@]}" "$prefix/bin/pscope-run" -q -o "$tmp/semi.db" -- "$tmp/app-semi"
check "semi-static: one run, twice() 10 times" test "$(sqlite3 "$tmp/semi.db" "SELECT count(*) || ':' || (SELECT calls FROM function_summary WHERE name='twice') FROM run")" = "1:10"
check "installed pscope-run" "$prefix/bin/pscope-run" -q -o "$tmp/run.db" -- "$build/tests/progs/foo_loop"
check "installed pscope-run recorded the run" test "$(sqlite3 "$tmp/run.db" "SELECT calls_seen FROM run")" = 9
check "installed pscope-stats reads it" "$prefix/bin/pscope-stats" "$tmp/run.db" --format csv
mkdir -p "$tmp/proj/sub" && cp "$tmp/run.db" "$tmp/proj/from-config.db" && printf 'output: from-config.db\n' > "$tmp/proj/.pscope.yaml"
check "stats finds the database through .pscope.yaml" bash -c "cd '$tmp/proj/sub' && env -u PSCOPE_OUTPUT '$prefix/bin/pscope-stats' --format csv | grep -q ',loop,'"
check "make uninstall" make -s B="$build" uninstall PREFIX="$prefix"
check "uninstalled" test ! -e "$prefix/bin/pscope-run" -a ! -e "$prefix/lib/libpscope.so" -a ! -e "$prefix/include/pscope.h"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
