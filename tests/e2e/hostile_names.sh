#!/usr/bin/env bash
# tests/e2e/hostile_names.sh: pscope-stats and pscope-diff on databases whose function,
# stage, label, command and file names are hostile: HTML/script, quotes, backslashes,
# newlines, CR, tabs, printf conversions (%s%n), a 10,000-character name, invalid UTF-8,
# control characters and ANSI escapes, Markdown and XML metacharacters.
#
# The database is built from sql/schema.sql (the file the tools embed) with bound
# parameters only (python3's sqlite3; invalid UTF-8 is bound as a blob and CAST to TEXT).
# Every output is checked by parsing it, not by eye:
#   table, md  valid UTF-8, no raw control bytes, names made visible (\n, \xff); md rows
#              keep their column count (| escaped) and HTML is escaped (\<script\>);
#   csv        RFC 4180 through python's csv module: every name round-trips byte for byte;
#   json       python's json (strict): every name round-trips (invalid UTF-8 -> U+FFFD);
#   junit      xml.etree parses it; test case names round-trip (control characters
#              shown as \xHH, which XML 1.0 cannot carry); one failure per regression.
# Exit codes are exact (stats 0; diff 1 because half the functions regress). Also a
# grep-able check that no source calls system() or popen() or runs a shell.
#
# Ends with "N passed, M failed"; exit status 1 on any failure. BUILD_DIR selects the build.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD_DIR:-build}
passed=0; failed=0

# ---- no shell anywhere -----------------------------------------------------------------
# Calls of system()/popen() and any exec of a shell in C sources and headers.
# Calls are looked for with string literals blanked out (a test may feed gnuplot the text
# "system('...')" as hostile data); shell paths are looked for in the literals themselves.
hits=$(grep -rnE '"/bin/(ba)?sh"|execl[pe]?\([^)]*"sh"' \
         --include='*.c' --include='*.h' libcollect common tools samples bench tests 2>/dev/null
       for f in $(grep -rlE '(system|popen)' --include='*.c' --include='*.h' \
                    libcollect common tools samples bench tests 2>/dev/null); do
         sed -E 's/"([^"\\]|\\.)*"/""/g' "$f" |
           grep -nE '(^|[^A-Za-z0-9_.>])(system|popen)[[:space:]]*\(' | sed "s|^|$f:|"
       done)
if [ -z "$hits" ]; then
  passed=$((passed + 1)); echo "ok   no system(), popen() or shell exec in any C source"
else
  failed=$((failed + 1)); echo "FAIL shell use found:"; echo "$hits"
fi

if ! command -v python3 >/dev/null; then
  echo "FAIL python3 is needed to parse the outputs"
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
fi

tmp=$(mktemp -d /tmp/pscope-hostile.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT

BUILD="$build" TMP="$tmp" python3 - <<'PY' > "$tmp/py.log" 2>&1
import csv, io, json, os, sqlite3, subprocess, sys
import xml.etree.ElementTree as ET

build, tmp = os.environ["BUILD"], os.environ["TMP"]
stats, diff = f"{build}/bin/pscope-stats", f"{build}/bin/pscope-diff"
results = []

def check(cond, what):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    return cond

NAMES = [
    b"<script>alert(1)</script>",
    b'say "hi", then',
    b"it's",
    b"back\\slash\\",
    b"new\nline",
    b"cr\rlf",
    b"tab\tx",
    b"%s%n%x%p%%",
    b"xy" * 5000,
    b"f\xffo\xc3(\xe2",
    b"a|b*c_d`e[f]#g~h",
    b"&amp; <!-- --> ]]>",
    b"ctl\x01\x1b[31mred",
    "café → 🔥".encode(),
    b"normal",
]
LABEL1 = b'base<script>"x"</script>'
COMMAND = b'prog "a b"\n--evil \xff'

def u(b):   # JSON / XML text of bytes: invalid UTF-8 replaced per byte by U+FFFD
    return b.decode("utf-8", "replace")

def xml_expected(b):
    s = u(b)
    return "".join(f"\\x{ord(c):02x}" if (ord(c) < 0x20 and c not in "\t\n\r") or ord(c) == 0x7f else c
                   for c in s)

# ---- the database ------------------------------------------------------------------
db = f"{tmp}/hostile.db"
con = sqlite3.connect(db)
con.executescript(open("sql/schema.sql").read())
T = "CAST(? AS TEXT)"
def run(rid, label, slow):
    con.execute(f"INSERT INTO run(id, label, command, pid, started_wall, ended_wall, dur, clock,"
                f" pscope_version, calls_seen, calls_stored, complete) VALUES(?, {T}, {T}, 1, 1, 2,"
                f" 10000000, 'monotonic', '0.1.0', ?, 0, 1)", (rid, label, COMMAND, 100 * len(NAMES) + 1))
    con.execute(f"INSERT INTO thread(id, run_id, tid, name, is_main, ts, end_ts, calls)"
                f" VALUES(?, ?, 7, {T}, 1, 0, 1000, 0)", (rid, rid, b"thr\n<x>\xff"))
    main_id = rid * 1000 + 999
    con.execute("INSERT INTO function(id, run_id, name, module, file, line, address, offset)"
                " VALUES(?, ?, 'main', '/bin/prog', 'main.c', 1, 1, 1)", (main_id, rid))
    total = 0
    for k, name in enumerate(NAMES):
        fid = rid * 1000 + k
        per = 100 if (slow and k % 2) else 50
        total += 100 * per
        fname = b"dir\n/<x>\xff.c" if k == 0 else b"h.c"
        con.execute(f"INSERT INTO function(id, run_id, name, module, file, line, address, offset)"
                    f" VALUES(?, ?, {T}, '/bin/prog', {T}, ?, ?, ?)", (fid, rid, name, fname, k + 1, fid, fid))
        con.execute("INSERT INTO function_stat VALUES(?, ?, 100, 100, ?, ?, ?, ?, ?, ?)",
                    (fid, rid, 100 * per, 100 * per, 100 * per, 100.0 * per * per, per, per))
        con.execute("INSERT INTO function_hist VALUES(?, ?, ?, ?, 100)", (fid, per, per, per + 1))
        con.execute("INSERT INTO callpath VALUES(?, ?, ?, ?, 1, 100, ?, ?, ?, ?)",
                    (fid, rid, main_id, fid, 100 * per, 100 * per, per, per))
        con.execute("INSERT INTO thread_stat VALUES(?, ?, 100, ?, ?)", (rid, fid, 100 * per, 100 * per))
        con.execute(f"INSERT INTO stage(run_id, thread_id, name, ts, dur, records_in, records_out)"
                    f" VALUES(?, ?, {T}, 0, 1000, 10, 5)", (rid, rid, name))
    con.execute("INSERT INTO function_stat VALUES(?, ?, 1, 1, ?, 0, ?, ?, ?, ?)",
                (main_id, rid, total, total, float(total) ** 2, total, total))
    con.execute("INSERT INTO callpath VALUES(?, ?, NULL, ?, 0, 1, ?, 0, ?, ?)",
                (main_id, rid, main_id, total, total, total))
    con.execute("INSERT INTO thread_stat VALUES(?, ?, 1, ?, 0)", (rid, main_id, total))
run(1, LABEL1, False)
run(2, b"cur\n\xff", True)
con.commit()
con.close()

def tool(argv, want_rc, what):
    p = subprocess.run(argv, capture_output=True)   # an argument list: no shell involved
    bad = [m for m in (b"runtime error", b"Sanitizer", b"Segmentation") if m in p.stderr]
    check(p.returncode == want_rc and not bad,
          f"{what}: exit {want_rc} (got {p.returncode}){' ' + p.stderr[:300].decode('utf-8', 'replace') if bad or p.returncode != want_rc else ''}")
    return p.stdout

def human_ok(out, what, md, names=True):
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as e:
        check(False, f"{what}: valid UTF-8 ({e})")
        return
    check(True, f"{what}: valid UTF-8")
    ctl = [c for c in text if (ord(c) < 0x20 and c != "\n") or ord(c) == 0x7f]
    check(not ctl, f"{what}: no raw control characters (found {[hex(ord(c)) for c in ctl[:5]]})")
    forged = [l for l in text.split("\n") if l.lstrip("\\").startswith("--evil") or l.startswith("<br>")]
    check(not forged, f"{what}: a newline in a run's command forges no line ({forged[:1]})")
    if names:  # md also escapes the backslash that makes a newline visible
        check(("new\\\\nline" if md else "new\\nline") in text, f"{what}: newline in a name shown as \\n")
        check("\\xff" in text, f"{what}: invalid UTF-8 shown as \\xff")
        check("%s%n%x%p%%" in text.replace("\\", ""), f"{what}: printf conversions printed literally")
    else:
        check("\\xff" in text, f"{what}: invalid UTF-8 shown as \\xff")
    if md:
        check("<script>" not in text and "\\<script\\>" in text, f"{what}: HTML escaped")
        tables, cur = [], None
        for line in text.split("\n"):
            if line.startswith("|"):
                n = len(line.replace("\\\\", "").replace("\\|", "")) - len(line.replace("\\\\", "").replace("\\|", "").replace("|", ""))
                if cur is None:
                    cur = n
                    tables.append([])
                tables[-1].append(n == cur)
            else:
                cur = None
        check(tables and all(all(t) for t in tables), f"{what}: every table row keeps its column count")
    else:
        check("<script>alert(1)</script>" in text, f"{what}: name shown as is")

def csv_names(out, col, what):
    """Values of column `col` of the first CSV table that has it (tables: blank-line separated)."""
    text = out.decode("utf-8", "surrogateescape")
    tables = [[]]
    for r in csv.reader(io.StringIO(text, newline=""), strict=True):
        if r:
            tables[-1].append(r)
        elif tables[-1]:
            tables.append([])
    found = [t for t in tables if t and col in t[0]]
    if not check(found, f"{what}: a table with column '{col}'"):
        return []
    hdr, body = found[0][0], found[0][1:]
    i = hdr.index(col)
    check(all(len(r) == len(hdr) for r in body), f"{what}: every record has {len(hdr)} fields")
    return [r[i].encode("utf-8", "surrogateescape") for r in body]

expected_bytes = set(NAMES)
expected_json = {u(n) for n in NAMES}

# ---- pscope-stats ------------------------------------------------------------------
for spec in (f"{db}:1", f"{db}:2"):
    for mode, key in (([], "functions"), (["--hotspots", "--top", "0"], "hotspots"),
                      (["--tree"], "tree"), (["--threads"], "threads")):
        label = f"stats {' '.join(mode) or 'table'} {spec[-1]}"
        human_ok(tool([stats, spec, *mode], 0, label), label, False)
        human_ok(tool([stats, spec, *mode, "--format", "md"], 0, label + " md"), label + " md", True)
        out = tool([stats, spec, *mode, "--format", "csv"], 0, label + " csv")
        names = set(csv_names(out, "name", label + " csv"))
        check(expected_bytes <= names, f"{label} csv: every name round-trips byte for byte"
              f" (missing {[n[:20] for n in expected_bytes - names]})")
        out = tool([stats, spec, *mode, "--format", "json"], 0, label + " json")
        try:
            doc = json.loads(out.decode("utf-8"))
            jn = {r["name"] for r in doc[key]}
            check(expected_json <= jn, f"{label} json: every name round-trips")
            check(any(len(n) == 10000 for n in jn), f"{label} json: the 10,000-character name is whole")
            check(doc["run"]["command"] == u(COMMAND), f"{label} json: run command round-trips")
        except Exception as e:
            check(False, f"{label} json parses ({e!r})")
out = tool([stats, f"{db}:1", "--stages", "--format", "json"], 0, "stats --stages json")
check(expected_json <= {r["name"] for r in json.loads(out)["stages"]}, "stats --stages json: stage names round-trip")
human_ok(tool([stats, f"{db}:1", "--stages", "--format", "md"], 0, "stats --stages md"), "stats --stages md", True)
out = tool([stats, db, "--list-runs", "--format", "csv"], 0, "stats --list-runs csv")
check(set(csv_names(out, "label", "stats --list-runs csv")) == {LABEL1, b"cur\n\xff"}, "stats --list-runs csv: labels round-trip")
human_ok(tool([stats, db, "--list-runs", "--format", "md"], 0, "stats --list-runs md"), "stats --list-runs md", True, False)
out = tool([stats, f"{db}:1", "--callers", "<script>alert(1)</script>", "--format", "json"], 0, "stats --callers <script>")
check(b"main" in out, "stats --callers <script>: its caller main is listed")
out = tool([stats, f"{db}:1", "--callees", "main", "--format", "csv"], 0, "stats --callees main csv")
check(expected_bytes <= set(csv_names(out, "name", "stats --callees csv")), "stats --callees csv: names round-trip")
out = tool([stats, f"{db}:1", "--filter", "%s%n", "--format", "json"], 0, "stats --filter '%s%n'")
check([r["name"] for r in json.loads(out)["functions"]] == ["%s%n%x%p%%"], "stats --filter '%s%n': matches only that name")

# ---- pscope-diff -------------------------------------------------------------------
A, B = f"{db}:1", f"{db}:2"
human_ok(tool([diff, A, B], 1, "diff table"), "diff table", False)
human_ok(tool([diff, A, B, "--format", "md"], 1, "diff md"), "diff md", True)
out = tool([diff, A, B, "--format", "csv"], 1, "diff csv")
check(expected_bytes <= set(csv_names(out, "function", "diff csv")), "diff csv: every name round-trips byte for byte")
out = tool([diff, A, B, "--format", "json"], 1, "diff json")
try:
    doc = json.loads(out.decode("utf-8"))
    rows = doc["functions"]
    check(expected_json <= {r["function"] for r in rows}, "diff json: every name round-trips")
    regress = {r["function"] for r in rows if r["verdict"] == "regression"}
    check(regress == {u(n) for k, n in enumerate(NAMES) if k % 2}, f"diff json: the odd functions regress ({len(regress)})")
except Exception as e:
    check(False, f"diff json parses ({e!r})")
out = tool([diff, A, B, "--format", "junit"], 1, "diff junit")
try:
    root = ET.fromstring(out)
    cases = root.iter("testcase")
    names, fails = set(), 0
    for c in cases:
        names.add(c.get("name"))
        fails += len(c.findall("failure"))
    check({xml_expected(n) for n in NAMES} <= names, "diff junit: test case names round-trip")
    check(fails == sum(1 for k in range(len(NAMES)) if k % 2), f"diff junit: one failure per regression ({fails})")
except ET.ParseError as e:
    check(False, f"diff junit parses as XML ({e})")
out = tool([diff, A, B, "--filter", "<script>", "--format", "junit", "--fail-on", "never"], 0, "diff --filter '<script>' junit")
check(b"&lt;script&gt;" in out and b"<script>" not in out, "diff junit: HTML in names escaped")

print(f"PY {sum(results)} {len(results) - sum(results)}")
PY
py_rc=$?
grep -E '^(ok|FAIL) ' "$tmp/py.log"
line=$(grep -E '^PY [0-9]+ [0-9]+$' "$tmp/py.log" | tail -n 1)
if [ -z "$line" ] || [ "$py_rc" -ne 0 ]; then
  echo "FAIL the python checker did not finish (exit $py_rc):"
  tail -n 20 "$tmp/py.log"
  failed=$((failed + 1))
else
  passed=$((passed + $(echo "$line" | awk '{print $2}')))
  failed=$((failed + $(echo "$line" | awk '{print $3}')))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
