#!/usr/bin/env bash
# tests/e2e/html.sh: pscope-html end to end — what a report must be, checked by parsing it.
#
#  - the report of every sample (profiled here by pscope-run) parses in a strict HTML5
#    parser (Debian's python3-html5lib), has the charts its data calls for (counted from the
#    database with SQL), an icicle, and references nothing external (no http, no //, no src=);
#  - a constructed database with known call paths gives exactly the expected icicle boxes,
#    with and without --min-width merging into "other";
#  - hostile names (<script>, quotes, &, ', backquotes, $(...), @macros, newlines, a 10 kB
#    name, invalid UTF-8) appear only escaped: the parsed DOM and the JSON-parsed JS name
#    table give them back, no extra <script> exists, and gnuplot — fed through a recording
#    wrapper — gets them only as single-quoted strings and executes nothing;
#  - gnuplot removed from PATH: exit 0, every table present, one note per chart, one warning;
#  - the same database gives byte-identical reports; --timestamp adds the time;
#  - --diff exits as pscope-diff does; --batch of 5 runs writes 6 files whose links resolve;
#  - exit codes 2 (usage) and 3 (bad data), and no half-written output.
# Ends with "N passed, M failed"; exit 1 on any failure. BUILD_DIR selects the build.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD_DIR:-build}
tmp=$(mktemp -d /tmp/pscope-html.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT

BUILD="$build" TMP="$tmp" /usr/bin/python3 - <<'PY'
import json, os, re, sqlite3, subprocess, sys
import html5lib

build, tmp = os.environ["BUILD"], os.environ["TMP"]
html = os.path.abspath(f"{build}/bin/pscope-html")
run = os.path.abspath(f"{build}/bin/pscope-run")
results = []

def check(cond, what):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    return cond

def tool(argv, want_rc, what, env=None, cwd=None):
    p = subprocess.run(argv, capture_output=True, env=env, cwd=cwd)
    bad = [m for m in (b"runtime error", b"Sanitizer", b"Segmentation") if m in p.stderr]
    check(p.returncode == want_rc and not bad,
          f"{what}: exit {want_rc} (got {p.returncode}) {p.stderr[:300].decode('utf-8', 'replace') if bad or p.returncode != want_rc else ''}")
    return p

def parse(path, what):
    data = open(path, "rb").read()
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        doc = parser.parse(data)
    except Exception as e:
        check(False, f"{what}: strict HTML5 parse ({e})")
        return None, data
    check(True, f"{what}: strict HTML5 parse")
    return doc, data

def external(data):
    text = data.decode("utf-8")
    return [w for w in ("http", "//", "src=", "@import", "url(http") if w in text]

SVG = "{http://www.w3.org/2000/svg}"
def boxes(doc):
    out = []
    for e in doc.iter():
        if e.tag in ("svg", SVG + "svg") and "b" in (e.get("class") or "").split():
            out.append(e)
    return out

# ---- every sample, profiled ------------------------------------------------------------
samples = [("sensor_pipeline", ["3000"]), ("nested", ["2"]), ("threads", ["400"]),
           ("dag", []), ("linear", ["500"])]
for name, args in samples:
    db = f"{tmp}/{name}.db"
    p = subprocess.run([run, "-o", db, "--", f"{build}/samples/{name}"] + args, capture_output=True)
    if not check(p.returncode == 0, f"profile sample {name}"):
        continue
    out = f"{tmp}/{name}.html"
    tool([html, db, "-o", out], 0, f"report of {name}")
    doc, data = parse(out, f"report of {name}")
    if doc is None:
        continue
    con = sqlite3.connect(db)
    stages_thr = con.execute("SELECT COUNT(*) FROM stage WHERE records_in IS NOT NULL AND dur > 0").fetchone()[0]
    samples_n = con.execute("SELECT COUNT(*) FROM resource_sample WHERE thread_id IS NULL").fetchone()[0]
    paths = con.execute("SELECT COUNT(*) FROM callpath").fetchone()[0]
    con.close()
    want = 2 + (1 if stages_thr > 0 else 0) + (1 if samples_n >= 2 else 0)
    figs = [e for e in doc.iter("figure")]
    svgs = [f for f in figs if any(c.tag in ("svg", SVG + "svg") for c in f)]
    check(len(figs) == want and len(svgs) == want,
          f"{name}: {want} charts expected, {len(figs)} figures, {len(svgs)} with an SVG")
    nb = len(boxes(doc))
    check(2 <= nb <= paths + 1 + paths, f"{name}: icicle has {nb} boxes for {paths} call paths")
    check(not external(data), f"{name}: nothing external referenced {external(data)}")
    check(data.count(b"<script") == 2, f"{name}: exactly 2 scripts (names table, report.js)")
    for section in ("hotspots", "icicle-sec", "functions", "peek", "distribution", "threads", "stages", "resources"):
        if not check(f'id="{section}"'.encode() in data, f"{name}: section {section} present"):
            break

# ---- a constructed database: known call paths -------------------------------------------
HOSTILE = [
    b"<script>alert(1)</script>\"&'",
    b"`touch PWNED1`",
    b"$(touch PWNED2)",
    b"@macro `id`",
    b"new\nline",
    b"x" * 10240,
    b"f\xffo\xc3(",
    "café → 🔥".encode(),
    b"plain_one",
]
def build_db(path, names, weights, runs=1, scale_slow=False):
    con = sqlite3.connect(path)
    con.executescript(open("sql/schema.sql").read())
    T = "CAST(? AS TEXT)"
    for rid in range(1, runs + 1):
        slow = 2 if (scale_slow and rid == runs) else 1
        con.execute(f"INSERT INTO run(id, label, command, pid, started_wall, ended_wall, dur, clock,"
                    f" pscope_version, calls_seen, calls_stored, complete) VALUES(?, {T}, {T}, 1, ?, ?,"
                    f" 10000000, 'monotonic', '0.1.0', 100, 0, 1)",
                    (rid, f"r{rid}".encode(), b"prog <x>", rid * 10**9, rid * 10**9 + 10**7))
        con.execute("INSERT INTO thread(id, run_id, tid, name, is_main, ts, end_ts, calls)"
                    " VALUES(?, ?, 7, 'main', 1, 0, 1000, 0)", (rid, rid))
        main_id = rid * 1000 + 999
        con.execute("INSERT INTO function(id, run_id, name, module, file, line, address, offset)"
                    " VALUES(?, ?, 'main', '/bin/prog', 'main.c', 1, 1, 1)", (main_id, rid))
        total = 0
        for k, (name, w) in enumerate(zip(names, weights)):
            fid = rid * 1000 + k
            d = w * (slow if k == 0 else 1)
            total += d
            con.execute(f"INSERT INTO function(id, run_id, name, module, file, line, address, offset)"
                        f" VALUES(?, ?, {T}, '/bin/prog', 'h.c', ?, ?, ?)", (fid, rid, name, k + 1, fid, fid))
            con.execute("INSERT INTO function_stat VALUES(?, ?, 10, 10, ?, ?, ?, ?, ?, ?)",
                        (fid, rid, d, d, d, float(d) * d, d // 10, d // 10))
            con.execute("INSERT INTO function_hist VALUES(?, 200, 512, 516, 10)", (fid,))
            con.execute("INSERT INTO callpath VALUES(?, ?, ?, ?, 1, 10, ?, ?, ?, ?)",
                        (fid, rid, main_id, fid, d, d, d // 10, d // 10))
            con.execute("INSERT INTO thread_stat VALUES(?, ?, 10, ?, ?)", (rid, fid, d, d))
        con.execute("INSERT INTO function_stat VALUES(?, ?, 1, 1, ?, 0, ?, ?, ?, ?)",
                    (main_id, rid, total, total, float(total) ** 2, total, total))
        con.execute("INSERT INTO callpath VALUES(?, ?, NULL, ?, 0, 1, ?, 0, ?, ?)",
                    (main_id, rid, main_id, total, total, total))
        con.execute("INSERT INTO thread_stat VALUES(?, ?, 1, ?, 0)", (rid, main_id, total))
    con.commit()
    con.close()

# weights: shares of 40%, 25%, 15%, 10%, 4%, 3%, 1.5%, 1%, 0.5% of the total
W = [400000, 250000, 150000, 100000, 40000, 30000, 15000, 10000, 5000]
hdb = f"{tmp}/hostile.db"
build_db(hdb, HOSTILE, W)
out = f"{tmp}/hostile.html"
tool([html, hdb, "-o", out], 0, "report of the constructed database")
doc, data = parse(out, "hostile report")
if doc is not None:
    check(len(boxes(doc)) == 2 + len(W), f"icicle: all + main + {len(W)} boxes at the default 0.1% width (got {len(boxes(doc))})")
    out5 = f"{tmp}/hostile5.html"
    tool([html, hdb, "--min-width", "5", "-o", out5], 0, "report with --min-width 5")
    d5, _ = parse(out5, "--min-width 5 report")
    if d5 is not None:
        bx = boxes(d5)
        labels = ["".join(t.itertext()) for b in bx for t in b if t.tag in ("text", SVG + "text")]
        # 40, 25, 15, 10 % stay; 4+3+1.5+1+0.5 = 10% merge into one "other"
        check(len(bx) == 2 + 4 + 1 and labels.count("other") == 1,
              f"--min-width 5: all + main + 4 + other = 7 boxes (got {len(bx)}, labels {labels[:3]}...)")
    text = data.decode("utf-8")
    for raw in (b"<script>alert(1)</script>", b"\"&'`touch"):
        check(raw.decode() not in text, f"raw {raw!r} never appears unescaped")
    check(text.count("<script") == 2, f"no injected script element (found {text.count('<script')})")
    # every valid-UTF-8 name is given back by the parser (text of the icicle titles)
    titles = ["".join(t.itertext()) for t in doc.iter() if t.tag in ("title", SVG + "title")]
    for n in HOSTILE:
        s = n.decode("utf-8", "replace")
        check(any(t.startswith(s) for t in titles), f"name {n[:30]!r} round-trips through HTML/SVG text")
    m = re.search(r"var PSCOPE_NAMES = (\[.*?\]);</script>", text, re.S)
    if check(m is not None, "JS name table present"):
        arr = json.loads(m.group(1))
        want = sorted(["main"] + [n.decode("utf-8", "replace") for n in HOSTILE], key=lambda s: s.encode())
        check(sorted(arr, key=lambda s: s.encode()) == want,
              "JS name table (JSON-parsed) gives back every name exactly")
        check("</script" not in m.group(1) and "<!--" not in m.group(1), "JS strings cannot end the script")

# gnuplot through a recording wrapper: names only as single-quoted strings, nothing executed
real = subprocess.run(["sh", "-c", "command -v gnuplot"], capture_output=True, text=True).stdout.strip()
wrap = f"{tmp}/wrap"; os.makedirs(wrap, exist_ok=True)
with open(f"{wrap}/gnuplot", "w") as f:
    f.write(f"#!/bin/sh\nif [ \"$1\" = --version ]; then exec {real} --version; fi\n"
            f"tee -a {tmp}/gnuplot.in | {real} \"$@\"\n")
os.chmod(f"{wrap}/gnuplot", 0o755)
work = f"{tmp}/cwd"; os.makedirs(work, exist_ok=True)
env = dict(os.environ, PATH=f"{wrap}:/usr/bin:/bin")
tool([html, hdb, "-o", f"{tmp}/w.html"], 0, "report with the recording gnuplot", env=env, cwd=work)
script = open(f"{tmp}/gnuplot.in", "rb").read() if os.path.exists(f"{tmp}/gnuplot.in") else b""
check(b"`touch PWNED1`" in script, "gnuplot got the backquoted name (as data)")
ok = True
for line in script.split(b"\n"):
    for frag in (b"`touch PWNED1`", b"$(touch PWNED2)", b"@macro"):
        i = line.find(frag)
        if i >= 0 and line[:i].count(b"'") % 2 != 1:
            ok = False
check(ok, "every hostile name in gnuplot input stands inside a single-quoted string")
check(b"new\nline" not in script, "newlines of names never reach gnuplot command text")
check(not os.path.exists(f"{work}/PWNED1") and not os.path.exists(f"{work}/PWNED2") and
      not os.path.exists("PWNED1") and not os.path.exists("PWNED2"), "gnuplot executed nothing")

# ---- gnuplot missing ----------------------------------------------------------------------
nog = f"{tmp}/nogp"; os.makedirs(nog, exist_ok=True)
env = dict(os.environ, PATH=nog)
p = tool([html, hdb, "-o", f"{tmp}/nog.html"], 0, "gnuplot not on PATH", env=env)
warn = [l for l in p.stderr.decode().splitlines() if "warning" in l]
check(len(warn) == 1 and "gnuplot" in warn[0], f"exactly one warning naming gnuplot ({warn})")
nd, ndata = parse(f"{tmp}/nog.html", "report without gnuplot")
if nd is not None:
    t = ndata.decode()
    notes = t.count('class="nochart"')
    check(notes == 2 and t.count("<figure") == 2, f"a note in place of each of the 2 charts (notes {notes})")
    check(all(f'id="{x}"' in t for x in ("t-hotspots", "t-functions", "t-threads")), "every table present")

# ---- determinism, timestamp ---------------------------------------------------------------
tool([html, hdb, "-o", f"{tmp}/again.html"], 0, "second report of the same database")
check(open(f"{tmp}/again.html", "rb").read() == data, "same database, byte-identical report")
tool([html, hdb, "--timestamp", "-o", f"{tmp}/ts.html"], 0, "--timestamp")
check(re.search(rb"Generated by pscope-html [^<]* on \d{4}-\d\d-\d\d ", open(f"{tmp}/ts.html", "rb").read()) is not None,
      "--timestamp writes the generation time")

# ---- diff, batch ----------------------------------------------------------------------------
ddb = f"{tmp}/two.db"
build_db(ddb, [b"hot", b"b", b"c", b"d", b"e", b"f", b"g", b"h", b"i"], W, runs=2, scale_slow=True)
pd = subprocess.run([f"{build}/bin/pscope-diff", f"{ddb}:r1", f"{ddb}:r2"], capture_output=True)
p = tool([html, "--diff", f"{ddb}:r1", f"{ddb}:r2", "-o", f"{tmp}/diff.html"], pd.returncode,
         f"--diff exits as pscope-diff does ({pd.returncode})")
dd, ddata = parse(f"{tmp}/diff.html", "diff report")
if dd is not None:
    t = ddata.decode()
    check(("FAIL" in t) == (pd.returncode == 1) and 'class="banner' in t, "verdict banner matches the gate")
    check('id="t-diff"' in t and 'id="chart-diff"' in t and len(boxes(dd)) == 2 + len(W),
          f"diff table, diverging chart, differential icicle ({len(boxes(dd))} boxes)")
bdb = f"{tmp}/five.db"
build_db(bdb, [b"a", b"b", b"c", b"d", b"e", b"f", b"g", b"h", b"i"], W, runs=5)
bdir = f"{tmp}/batch"
p = subprocess.run([html, "--batch", "-o", bdir, bdb], capture_output=True)
check(p.returncode == 0 and p.stderr == b"", f"--batch of 5 runs: exit 0, nothing on stderr (not a TTY)")
files = sorted(os.listdir(bdir)) if os.path.isdir(bdir) else []
check(len(files) == 6 and "index.html" in files, f"6 files written ({files})")
idoc, idata = parse(f"{bdir}/index.html", "batch index") if "index.html" in files else (None, b"")
if idoc is not None:
    links = [a.get("href") for a in idoc.iter("a")]
    check(len(links) == 5 and all(os.path.exists(f"{bdir}/{l}") for l in links), f"5 links, all resolve ({links})")
    check(b'id="chart-trend"' in idata and b"<svg" in idata, "trend chart present")
    for fn in files:
        if fn != "index.html":
            parse(f"{bdir}/{fn}", f"batch report {fn}")

# progress on a terminal: "\rN/5 runs" on stderr when it is a TTY, nothing with -q
import pty
for quiet in (False, True):
    master, slave = pty.openpty()
    p = subprocess.run([html, "--batch", "-o", f"{tmp}/batch_tty"] + (["-q"] if quiet else []) + [bdb],
                       stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    got = b""
    try:
        while True:
            chunk = os.read(master, 4096)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    os.close(master)
    if quiet:
        check(p.returncode == 0 and got == b"", f"--batch -q on a terminal: no progress ({got[:40]!r})")
    else:
        check(p.returncode == 0 and b"5/5 runs" in got and b"1/5 runs" in got,
              f"--batch on a terminal: progress 1/5 .. 5/5 runs ({got[:60]!r})")

# ---- --extrapolate: runs at 5 scales of the constructed database ---------------------------
xdb = f"{tmp}/scales.db"
build_db(xdb, [b"lin", b"b", b"c", b"d", b"e", b"f", b"g", b"h", b"i"], W, runs=5)
con = sqlite3.connect(xdb)
for rid in range(1, 6):
    con.execute("UPDATE run SET scale = ? WHERE id = ?", (1000 * rid, rid))
    con.execute("UPDATE function_stat SET self_dur = self_dur * ?, total_dur = total_dur * ? "
                "WHERE function_id = ?", (rid, rid, rid * 1000))
con.commit(); con.close()
tool([html, "--extrapolate", "--target", "100000", xdb, "-o", f"{tmp}/x.html"], 0, "--extrapolate --target 100000")
xd, xdata = parse(f"{tmp}/x.html", "scaling report")
if xd is not None:
    t = xdata.decode()
    rows = [r for r in xd.iter("tr")]
    check('id="chart-scaling"' in t and t.count("<svg") == 1, "scaling chart present")
    check(len(rows) == 1 + 10, f"one model row per function (got {len(rows) - 1})")
    check("n = 100000" in t and "O(n)" in t, "target and the linear function's class shown")
tool([html, "--extrapolate", xdb], 2, "--extrapolate without --target")
tool([html, "--target", "5", xdb], 2, "--target without --extrapolate")
tool([html, "--extrapolate", "--target", "1e5", hdb, "-o", f"{tmp}/noscale.html"], 3, "--extrapolate on runs without a scale")

# ---- a run without any data: every section says what is missing --------------------------
edb = f"{tmp}/empty.db"
con = sqlite3.connect(edb)
con.executescript(open("sql/schema.sql").read())
con.execute("INSERT INTO run(id, label, command, pid, started_wall, ended_wall, dur, clock, pscope_version,"
            " calls_seen, calls_stored, complete) VALUES(1, 'e', 'x', 1, 1, 2, 100, 'monotonic', '0.1.0', 0, 0, 1)")
con.commit(); con.close()
tool([html, edb, "-o", f"{tmp}/empty.html"], 0, "report of a run without calls, threads, stages or samples")
ed, edata = parse(f"{tmp}/empty.html", "empty report")
if ed is not None:
    t = edata.decode()
    notes = t.count('class="missing"')
    check(notes == 8 and "<figure" not in t, f"8 sections say their data is missing, no chart (notes {notes})")

# ---- bad input ----------------------------------------------------------------------------
tool([html, "--bogus"], 2, "unknown option")
tool([html, "--diff", hdb], 2, "--diff with one spec")
tool([html, "--batch", hdb], 2, "--batch without -o DIR")
tool([html, "--top", "0", hdb], 2, "--top 0")
open(f"{tmp}/junk.db", "w").write("not a database")
tool([html, f"{tmp}/junk.db", "-o", f"{tmp}/junk.html"], 3, "not a pscope database")
check(not os.path.exists(f"{tmp}/junk.html"), "nothing written on bad data")
tool([html, f"{hdb}:99", "-o", f"{tmp}/x.html"], 3, "unknown run")
os.makedirs(f"{tmp}/tpl", exist_ok=True)
open(f"{tmp}/tpl/page.html", "w").write("<!DOCTYPE html>\n{{nosuchkey}}\n")
p = tool([html, hdb, "--template-dir", f"{tmp}/tpl", "-o", f"{tmp}/t.html"], 2, "template with an unknown placeholder")
check(b"page.html line 2: unknown placeholder {{nosuchkey}}" in p.stderr, "the message names the file, line and key")
open(f"{tmp}/tpl/page.html", "w").write("<!DOCTYPE html><html lang=en><head><title>{{title}}</title></head><body>{{body}}<p>{{footer}}</p><script>{{data}}</script></body></html>\n")
tool([html, hdb, "--template-dir", f"{tmp}/tpl", "-o", f"{tmp}/t.html"], 0, "--template-dir with a page of its own")
check(b"<title>pscope" in open(f"{tmp}/t.html", "rb").read(), "the given template is used")

print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
sys.exit(0 if all(results) else 1)
PY
