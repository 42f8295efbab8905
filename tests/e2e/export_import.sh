#!/usr/bin/env bash
# tests/e2e/export_import.sh: end-to-end tests of pscope-export and pscope-import
# (docs/export.md) on real programs, with exact expectations:
#  1. round trips: a full-trace run of a test program exported to Chrome JSON (checked
#     against the format's rules by a structural validator) and imported back has the same
#     calls per function and per call path and the same times (ns-exact export; the bound
#     checked is the format's 1 µs per call); folded stacks (self and calls weights) of the
#     native and the re-imported run are the same lines;
#  2. pprof: gzip with a profile.proto inside (decoded in tests/unit/test_export.c);
#  3. uftrace: test programs recorded by `uftrace record --no-libcall --no-sched` and
#     imported: calls per function identical to pscope's own collector on the same binary,
#     self and total equal to `uftrace report` within its printed precision;
#  4. cProfile: a Python script profiled with `python3 -m cProfile -o`: ncalls, primitive
#     calls, tottime and cumtime equal pstats' values (to the ns);
#  5. pscope-diff between an imported uftrace run (library calls recorded) and a native run:
#     works, compares the functions both have, lists uftrace's library calls as removed;
#  6. bad inputs: exit 3, one line naming the file, the database unchanged.
# Usage: BUILD_DIR=build tests/e2e/export_import.sh   (ends with "N passed, M failed").
set -u
cd "$(dirname "$0")/../.." || exit 2
root=$PWD
build=${BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
bin="$build/bin"
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

for f in "$bin/pscope-export" "$bin/pscope-import" "$bin/pscope-run" "$bin/pscope-diff" \
         "$build/tests/progs/fib" "$build/tests/progs/threads4"; do
  if [ ! -x "$f" ]; then
    bad "missing $f (make test builds it)"
    echo "$passed passed, $failed failed"
    exit 1
  fi
done
work=$(mktemp -d /tmp/pscope-e2e-export.XXXXXX)
[ -n "${PSCOPE_KEEP_TMP:-}" ] || trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
unset PSCOPE_OUTPUT PSCOPE_LABEL

# ---- 1. round trips ---------------------------------------------------------------------
PSCOPE_MAX_CALLS=0 "$bin/pscope-run" -o rt.db --label native -- "$build/tests/progs/threads4" >/dev/null 2>&1
PSCOPE_MAX_CALLS=0 "$bin/pscope-run" -o rt.db --label native2 -- "$build/tests/progs/fib" 14 >/dev/null 2>&1
check "native runs recorded" test "$(sqlite3 rt.db 'SELECT count(*) FROM run WHERE complete=1 AND calls_seen=calls_stored')" = 2

for run in native native2; do
  "$bin/pscope-export" "rt.db:$run" --format chrome -o "$run.json"
  check "$run: export chrome exit 0" test $? -eq 0
  check "$run: Chrome trace passes the structural validator" python3 - "$run.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
ev = d["traceEvents"]
assert isinstance(ev, list) and ev, "traceEvents"
assert d.get("displayTimeUnit") in ("ns", "ms"), "displayTimeUnit"
xs = [e for e in ev if e["ph"] == "X"]
ms = [e for e in ev if e["ph"] == "M"]
assert all(set(e) >= {"name", "ph", "ts", "dur", "pid", "tid"} for e in xs), "X fields"
assert all(isinstance(e["ts"], (int, float)) and isinstance(e["dur"], (int, float)) and e["dur"] >= 0 for e in xs)
assert all(isinstance(e["pid"], int) and isinstance(e["tid"], int) and isinstance(e["name"], str) for e in xs)
assert {e["name"] for e in ms} <= {"process_name", "thread_name"} and all("name" in e["args"] for e in ms)
# per thread, X events nest properly (a viewer draws them as a stack)
by = {}
for e in xs:
    by.setdefault(e["tid"], []).append((round(e["ts"] * 1000), round(e["dur"] * 1000)))
for t, v in by.items():
    v.sort(key=lambda x: (x[0], -x[1]))
    stack = []
    for ts, dur in v:
        while stack and stack[-1] <= ts:
            stack.pop()
        assert not stack or ts + dur <= stack[-1], "overlap on tid %d" % t
        stack.append(ts + dur)
EOF
  "$bin/pscope-import" -o rt.db --from chrome --max-calls 0 --label "back-$run" "$run.json" >/dev/null
  check "$run: import chrome exit 0" test $? -eq 0
  diffs=$(sqlite3 rt.db "SELECT count(*) FROM function_summary a JOIN run ra ON ra.id = a.run_id AND ra.label = '$run'
                         FULL JOIN (SELECT s.* FROM function_summary s JOIN run rb ON rb.id = s.run_id AND rb.label = 'back-$run') b
                         ON a.name = b.name
                         WHERE a.calls IS NOT b.calls OR a.primitive_calls IS NOT b.primitive_calls
                            OR abs(a.total_dur - b.total_dur) > 1000 * a.calls OR abs(a.self_dur - b.self_dur) > 1000 * a.calls")
  check "$run: same calls per function, times within 1 µs per call (mismatches: $diffs)" test "$diffs" = 0
  exact=$(sqlite3 rt.db "SELECT count(*) FROM function_summary a JOIN run ra ON ra.id = a.run_id AND ra.label = '$run'
                         JOIN function_summary b JOIN run rb ON rb.id = b.run_id AND rb.label = 'back-$run' AND a.name = b.name
                         WHERE a.total_dur = b.total_dur AND a.self_dur = b.self_dur AND a.min_dur = b.min_dur AND a.max_dur = b.max_dur")
  nf=$(sqlite3 rt.db "SELECT count(*) FROM function_summary s JOIN run r ON r.id = s.run_id AND r.label = '$run'")
  check "$run: times exact to the ns ($exact of $nf functions)" test "$exact" = "$nf"
  for w in self calls; do
    "$bin/pscope-export" "rt.db:$run" --weight $w -o "a-$w.folded"
    "$bin/pscope-export" "rt.db:back-$run" --weight $w -o "b-$w.folded"
    # the same lines; their order follows call-path ids, which follow the order threads
    # were merged in, so it may differ between the collector and the import
    check "$run: folded --weight $w identical after the round trip" cmp -s <(sort "a-$w.folded") <(sort "b-$w.folded")
    check "$run: folded --weight $w lines are 'frame;...;frame N'" \
      python3 -c "import re,sys; L=open(sys.argv[1],encoding='utf-8',errors='replace').read().splitlines(); assert L and all(re.fullmatch(r'[^;\n]+(;[^;\n]+)* [0-9]+', l) for l in L)" "a-$w.folded"
  done
done
n=$(awk '{s += $NF} END {print s}' a-calls.folded)
check "folded --weight calls adds up to the run's calls ($n)" test "$n" = "$(sqlite3 rt.db "SELECT calls_seen FROM run WHERE label='native2'")"
# fib(14) -> ... -> fib(3) -> fib(2), fib(1): two calls 13 fib frames deep
check "folded path of fib(14)'s deepest calls" grep -qx "main$(printf ';fib%.0s' $(seq 13)) 2" a-calls.folded

# ---- 2. pprof ---------------------------------------------------------------------------
"$bin/pscope-export" rt.db:native --format pprof -o native.pb.gz
check "pprof export exit 0" test $? -eq 0
check "pprof output is gzip of a protobuf message" python3 -c "import gzip,sys; b=gzip.open(sys.argv[1]).read(); assert len(b) > 50 and b[0] == 0x0a" native.pb.gz

# ---- 3. uftrace ---------------------------------------------------------------------------
# The programs uftrace records are compiled here without sanitizers (as tests/progs are in a
# plain build): under check-asan the test programs carry ASan, whose runtime and uftrace's
# preloaded libmcount do not mix; what is under test is the importer, sanitized or not.
mkdir -p progs
for p in fib threads4; do
  cc -finstrument-functions -O1 -g -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls \
     -std=c11 -D_GNU_SOURCE -o "progs/$p" "$root/tests/progs/$p.c" -lpthread
done
if command -v uftrace >/dev/null 2>&1; then
  for prog in "fib 12" "threads4"; do
    set -- $prog
    name=$1
    uftrace record --no-libcall --no-sched -d "uft-$name" "progs/$name" "${@:2}" >/dev/null 2>&1
    check "uftrace recorded $name" test -f "uft-$name/info"
    "$bin/pscope-import" -o u.db --label "uft-$name" "uft-$name" >/dev/null
    check "$name: import uftrace exit 0" test $? -eq 0
    "$bin/pscope-run" -o u.db --label "native-$name" -- "progs/$name" "${@:2}" >/dev/null 2>&1
    diffs=$(sqlite3 u.db "SELECT count(*) FROM (SELECT s.name, s.calls FROM function_summary s JOIN run r ON r.id = s.run_id AND r.label = 'uft-$name') a
                          FULL JOIN (SELECT s.name, s.calls FROM function_summary s JOIN run r ON r.id = s.run_id AND r.label = 'native-$name') b
                          ON a.name = b.name WHERE a.calls IS NOT b.calls")
    check "$name: calls per function identical to pscope's collector (mismatches: $diffs)" test "$diffs" = 0
    uftrace report -d "uft-$name" --no-event > "report-$name.txt" 2>/dev/null
    sqlite3 -separator ' ' u.db "SELECT s.name, s.calls, s.total_dur, s.self_dur FROM function_summary s JOIN run r ON r.id = s.run_id AND r.label = 'uft-$name'" > "ours-$name.txt"
    check "$name: self and total equal 'uftrace report' within its printed precision" python3 - "report-$name.txt" "ours-$name.txt" <<'EOF'
import sys
unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}
rep = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 6 and f[1] in unit and f[3] in unit:
        rep[f[5]] = (float(f[0]) * unit[f[1]], unit[f[1]], float(f[2]) * unit[f[3]], unit[f[3]], int(f[4]))
ours = {}
for line in open(sys.argv[2]):
    n, c, t, s = line.split()
    ours[n] = (int(c), int(t), int(s))
assert rep and set(rep) == set(ours), (sorted(rep), sorted(ours))
for n, (t, tu, s, su, c) in rep.items():
    oc, ot, os_ = ours[n]
    assert oc == c, (n, oc, c)
    # uftrace prints 3 decimals of its unit, truncated (22814949 ns -> "22.814 ms")
    assert abs(ot - t) < 1e-3 * tu + 1e-6, (n, "total", ot, t)
    assert abs(os_ - s) < 1e-3 * su + 1e-6, (n, "self", os_, s)
EOF
  done
  # ---- 5. pscope-diff: imported uftrace (library calls recorded) vs native -------------
  uftrace record --no-sched -d uft-lib progs/fib 10 >/dev/null 2>&1
  "$bin/pscope-import" -o d.db --label uft uft-lib >/dev/null
  "$bin/pscope-run" -o d.db --label native -- progs/fib 10 >/dev/null 2>&1
  "$bin/pscope-diff" d.db:uft d.db:native --fail-on never --format json -o diff.json
  check "pscope-diff imported uftrace vs native: exit 0" test $? -eq 0
  check "pscope-diff compares the functions both have (main, fib) and lists library calls as removed" \
    python3 -c "
import json, sys
d = json.load(open('diff.json'))
both = sorted(f['function'] for f in d['functions'])
removed = sorted(f['function'] for f in d['removed'])
assert both == ['fib', 'main'], both
assert 'printf' in removed and not d['new'], (removed, d['new'])
assert [f['calls_base'] for f in d['functions'] if f['function'] == 'fib'] == [109]"
  check "pscope-stats describes the imported run" sh -c "'$bin/pscope-stats' d.db:uft | head -n 1 | grep -q 'imported from uftrace'"
else
  bad "uftrace not installed (scripts/deps.sh installs it)"
fi

# ---- 4. cProfile --------------------------------------------------------------------------
cat > prog.py <<'EOF'
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
def work(k):
    return sum(len(str(i)) for i in range(k))
def main():
    fib(15)
    for _ in range(3):
        work(300)
main()
EOF
python3 -m cProfile -o prog.prof prog.py
"$bin/pscope-import" -o c.db prog.prof >/dev/null
check "cProfile: import exit 0" test $? -eq 0
sqlite3 -separator '|' c.db "SELECT COALESCE(file, '~'), COALESCE(line, 0), name, calls, primitive_calls, self_dur, total_dur FROM function_summary" > ours.txt
check "cProfile: ncalls, primitive calls, tottime, cumtime equal pstats' (to the ns)" python3 - prog.prof ours.txt <<'EOF'
import pstats, sys
st = pstats.Stats(sys.argv[1]).stats
ours = {}
for line in open(sys.argv[2]):
    f, l, n, nc, cc, tt, ct = line.rstrip("\n").split("|")
    ours[(f, int(l), n)] = (int(nc), int(cc), int(tt), int(ct))
assert len(ours) == len(st), (len(ours), len(st))
for k, (cc, nc, tt, ct, callers) in st.items():
    o = ours[k]
    assert o[0] == nc and o[1] == cc, (k, o, nc, cc)
    assert abs(o[2] - tt * 1e9) <= 1 and abs(o[3] - ct * 1e9) <= 1, (k, o, tt, ct)
EOF
check "cProfile: fib shows 1973/1 calls" test "$(sqlite3 c.db "SELECT calls || '/' || primitive_calls FROM function_summary WHERE name='fib'")" = "1973/1"
check "cProfile: caller edges stored" test "$(sqlite3 c.db "SELECT count(*) FROM function_caller c JOIN function f ON f.id = c.caller_id WHERE f.name = 'main'")" -ge 2
check "cProfile: pscope-stats --callers reads the caller edges (main calls fib once)" \
  sh -c "'$bin/pscope-stats' c.db --callers fib --format csv | grep -q '^1,.*,main,'"
"$bin/pscope-stats" c.db --tree 2>err.txt >/dev/null
check "cProfile: pscope-stats --tree says why there is no tree" grep -q 'imported from cProfile, which records callers, not call paths' err.txt
"$bin/pscope-export" c.db --format folded -o c.folded 2>err.txt
check "cProfile run: folded export refused with exit 3 saying why" sh -c "test $? -eq 3 && grep -q 'no call paths (imported from cProfile' err.txt && test ! -e c.folded"

# ---- 6. bad inputs --------------------------------------------------------------------------
runs_before=$(sqlite3 rt.db 'SELECT count(*) FROM run')
printf '{"traceEvents": [{"ph": "X", "name": "f", "ts": 1, "dur": 1, "tid": 1}, {"ph": "X", "ts": }]}' > broken.json
"$bin/pscope-import" -o rt.db broken.json 2>err.txt
check "broken JSON: exit 3" test $? -eq 3
check "broken JSON: message names file and offset" grep -q 'broken.json: offset [0-9]*:' err.txt
head -c 150 "$work/prog.prof" > trunc.prof
"$bin/pscope-import" -o rt.db trunc.prof 2>err.txt
check "truncated cProfile file: exit 3 with the offset" sh -c "test $? -eq 3 && grep -q 'trunc.prof: offset [0-9]*: truncated' err.txt"
mkdir -p notuft && echo x > notuft/info
"$bin/pscope-import" -o rt.db notuft 2>err.txt
check "not a uftrace directory: exit 3" sh -c "test $? -eq 3 && grep -q 'notuft/info' err.txt"
if [ -d uft-fib ]; then
  cp -r uft-fib uft-bad && printf 'xxxx' >> "uft-bad/$(ls uft-bad | grep -E '^[0-9]+\.dat$' | head -n 1)"
  "$bin/pscope-import" -o rt.db uft-bad 2>err.txt
  check "uftrace record truncated: exit 3 naming the .dat file and record" sh -c "test $? -eq 3 && grep -q 'dat: offset [0-9]*: record [0-9]*: truncated' err.txt"
fi
"$bin/pscope-import" -o rt.db missing.json 2>err.txt
check "missing input: exit 3" test $? -eq 3
check "nothing half-written: run count unchanged" test "$(sqlite3 rt.db 'SELECT count(*) FROM run')" = "$runs_before"
echo "not sqlite" > foreign.db
"$bin/pscope-import" -o foreign.db native.json 2>/dev/null
check "foreign database: exit 3, file untouched" sh -c "test $? -eq 3 && test \"\$(cat foreign.db)\" = 'not sqlite'"
"$bin/pscope-import" native.json 2>/dev/null
check "no -o: usage error 2" test $? -eq 2
"$bin/pscope-export" --format svg rt.db 2>/dev/null
check "unknown export format: usage error 2" test $? -eq 2
PSCOPE_MAX_CALLS=5 "$bin/pscope-run" -o small.db -- "$build/tests/progs/fib" 8 >/dev/null 2>&1
"$bin/pscope-export" small.db --format chrome -o small.json 2>err.txt
check "budgeted run: chrome export warns how many calls are missing" grep -q 'stored 5 of 42 calls' err.txt
check "--help and --version" sh -c "'$bin/pscope-export' --help | grep -q 'usage: pscope-export' && '$bin/pscope-import' --version | grep -q '^pscope-import '"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
