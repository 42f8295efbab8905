#!/usr/bin/env bash
# tests/fuzz/make_seeds.sh: (re)writes the seed corpora tests/fuzz/corpus/<target>/ of the
# fuzz targets (tests/fuzz/targets.h). The outputs are committed; run this again only to
# change the seeds. Databases use 512-byte pages so that each seed stays about 24 KiB.
# Usage: tests/fuzz/make_seeds.sh   (needs the sqlite3 shell). Database seeds are named
# *.sqlite, not *.db, which .gitignore leaves out.
set -eu
cd "$(dirname "$0")"
c=corpus
mkdir -p "$c/config" "$c/db" "$c/spec" "$c/regex"

# ---- config: every key, lists, durations, and the bad-input YAML files -----------------
printf 'enabled: true\noutput: profiles/run.db\nmax_calls: 0\nexclude:\n  - '"'"'^std::'"'"'\n  - '"'"'_helper$'"'"'\n' > "$c/config/doc_example.yaml"
printf 'enabled: yes\nlabel: "base line"\nscale: 1e5\nmax_calls: 100000\nmin_duration: 1.5us\nmax_depth: 4096\nflush_interval: 200ms\nsample_interval: 0\ninclude: ^main$\n' > "$c/config/all_keys.yaml"
printf '# comment only\n' > "$c/config/comment.yaml"
printf -- '---\nexclude: [a, "b\\n", '"'"'c'"'"']\ninclude:\n- x\n- {y: 1}\n...\n' > "$c/config/flow.yaml"
printf 'output: &a x.db\nlabel: *a\n? complex\n: value\n' > "$c/config/anchors.yaml"
printf -- '- just\n- a list\n' > "$c/config/list_root.yaml"
for f in ../data/bad/*.yaml; do cp "$f" "$c/config/bad_$(basename "$f")"; done

# ---- db: pscope databases ----------------------------------------------------------------
schema=../../sql/schema.sql
newdb() { rm -f "$1"; sqlite3 "$1" 'PRAGMA page_size = 512' ".read $schema"; }
newdb "$c/db/schema_only.sqlite"
newdb "$c/db/one_run.sqlite"
sqlite3 "$c/db/one_run.sqlite" <<'SQL'
INSERT INTO run(id, label, command, pid, started_wall, ended_wall, dur, clock, pscope_version,
                calls_seen, calls_stored, complete, scale)
  VALUES(1, 'base', './prog 3', 1, 1, 2, 5000, 'tsc', '0.1.0', 4, 4, 1, 3);
INSERT INTO thread VALUES(1, 1, 7, 'main', 1, 0, 5000, 4, NULL);
INSERT INTO function VALUES(11, 1, 'main', '/bin/p', 'p.c', 3, 16, 16), (12, 1, 'work', '/bin/p', 'p.c', 9, 32, 32);
INSERT INTO function_stat VALUES(11, 1, 1, 1, 5000, 2000, 5000, 25e6, 5000, 5000),
                                (12, 1, 3, 2, 3000, 3000, 3000, 3.1e6, 500, 1500);
INSERT INTO function_hist VALUES(11, 3200, 4992, 5024, 1), (12, 2240, 496, 500, 1),
                                (12, 2500, 1000, 1008, 1), (12, 2750, 1496, 1504, 1);
INSERT INTO callpath VALUES(11, 1, NULL, 11, 0, 1, 5000, 2000, 5000, 5000),
                           (12, 1, 11, 12, 1, 2, 2500, 2500, 1000, 1500),
                           (13, 1, 12, 12, 2, 1, 500, 500, 500, 500);
INSERT INTO thread_stat VALUES(1, 11, 1, 5000, 2000), (1, 12, 3, 3000, 3000);
INSERT INTO call VALUES(1099511627776, 1, 1, 11, 11, NULL, 0, 0, 5000, 2000),
                       (1099511627777, 1, 1, 12, 12, 1099511627776, 1, 10, 1000, 500),
                       (1099511627778, 1, 1, 13, 12, 1099511627777, 2, 20, 500, 500),
                       (1099511627779, 1, 1, 12, 12, 1099511627776, 1, 2000, 1500, 1500);
INSERT INTO stage VALUES(1, 1, NULL, 1, 'parse', 0, 4000, 10, 8, 10, 3000, 100, 4196, 1, 0);
INSERT INTO stage_hist VALUES(1, 300, 300, 301, 10);
INSERT INTO counter VALUES(1, 1, 1, 'rows', 'counter', 100, 10);
INSERT INTO resource_sample VALUES(1, 1, 1000, 1, 900, 100, 4096, 0, 1, 0, 12, 12, 1, NULL, NULL, NULL, 0),
                                  (2, 1, 1000, NULL, 900, 100, 4096, 4096, 1, 0, 12, 12, NULL, 0, 50.0, 1024, NULL);
SQL
cp "$c/db/one_run.sqlite" "$c/db/two_runs.sqlite"
sqlite3 "$c/db/two_runs.sqlite" <<'SQL'
INSERT INTO run(id, label, command, pid, started_wall, dur, clock, pscope_version, calls_seen,
                calls_stored, complete) VALUES(2, 'base', './prog 3', 2, 3, 6000, 'monotonic', '0.1.0', 4, 2, 0);
INSERT INTO function VALUES(21, 2, 'main', '/bin/p', NULL, NULL, 16, 16);
INSERT INTO function_stat VALUES(21, 2, 1, 1, 6000, 6000, 6000, 36e6, 6000, 6000);
SQL

# ---- spec: first byte selects the parser (see targets.h) ---------------------------------
printf '\x00base.db:3' > "$c/spec/db_run.txt"
printf '\x00/tmp/x:y:label' > "$c/spec/db_colons.txt"
printf '\x01self,calls,na' > "$c/spec/sort_keys.txt"
printf '\x02 9223372036854775807' > "$c/spec/int.txt"
printf '\x031e-3' > "$c/spec/real.txt"
printf '\x04junit' > "$c/spec/format.txt"
printf '\x051.5ms' > "$c/spec/duration.txt"
printf '\x06p95' > "$c/spec/metric.txt"
printf '\x07any-change' > "$c/spec/fail_on.txt"

# ---- regex ---------------------------------------------------------------------------------
printf '^main$' > "$c/regex/anchor.txt"
printf '(a|b)*c{2,3}' > "$c/regex/alt.txt"
printf '\\p{L}+\\d*' > "$c/regex/unicode.txt"
printf '(?i)[[:alpha:]]+::\\w+' > "$c/regex/posix.txt"
printf '(?<n>x)\\k<n>(?=y)' > "$c/regex/named.txt"

# ---- chrome, cprofile, uftrace: pscope-import's readers (targets_import.c) -----------------
mkdir -p "$c/chrome" "$c/cprofile" "$c/uftrace"
python3 - "$c" <<'EOF'
import marshal, struct, sys
c = sys.argv[1] + "/"
open(c + "chrome/object.json", "w").write(
    '{"traceEvents":[{"name":"root","ph":"X","pid":1,"tid":7,"ts":10,"dur":5},'
    '{"name":"leaf","ph":"X","pid":1,"tid":7,"ts":10.5,"dur":2.25},'
    '{"name":"thread_name","ph":"M","pid":1,"tid":7,"args":{"name":"w"}},'
    '{"name":"b","ph":"B","tid":8,"ts":100},{"name":"i","ph":"i","tid":8,"ts":101},'
    '{"ph":"E","tid":8,"ts":102},{"ph":"E","tid":8,"ts":103}],'
    '"displayTimeUnit":"ns","otherData":{"a":[1,{"b":"]}"}]}}\n')
open(c + "chrome/bare_array.json", "w").write(
    '[{"name":"f","ph":"B","ts":1,"tid":1},{"name":"g","ph":"X","ts":1.5,"dur":0.25,"tid":1},\n'
    '{"ph":"E","ts":3,"tid":1},\n')
d = {('a.py', 3, 'f'): (1, 2, 0.5, 1.5, {('a.py', 1, 'g'): (2, 1, 0.5, 1.5)}),
     ('a.py', 1, 'g'): (1, 1, 0.25, 2.0, {}),
     ('~', 0, '<built-in method len>'): (4, 4, 2e-6, 2e-6, {('a.py', 3, 'f'): (4, 4, 2e-6, 2e-6)})}
open(c + "cprofile/small.prof", "wb").write(marshal.dumps(d))
d2 = {('b.py', 10**3, 'big'): (10**12, 2**70, 1e-9, float('inf'), {('b.py', 1, 'x'): 5})}
open(c + "cprofile/bigint_oldcaller.prof", "wb").write(marshal.dumps(d2, 2))
def rec(t, typ, depth, addr, more=0):
    return struct.pack('<QQ', t, typ | (more << 2) | (5 << 3) | (depth << 6) | (addr << 16))
# first byte: 0 a memory map, 1 a symbol file, 2 task records (targets.h)
open(c + "uftrace/map.bin", "wb").write(
    b'\x00' + b'55550000-55560000 r-xp 00000000 00:00 0  /bin/p build-id:00\n7f00-7f10 r--p 0 0 0 [heap]\n')
open(c + "uftrace/sym.bin", "wb").write(
    b'\x01' + b'# symbols: 2\n# path name: /bin/p\n0000000000000100 T main\n0000000000000200 t a\n')
dat = (rec(1000, 0, 0, 0x55550100) + rec(1100, 0, 1, 0x55550200) + rec(1150, 2, 2, 7) +
       rec(1200, 1, 1, 0x55550200) + rec(1300, 0, 1, 0x55550300) +
       rec(1400, 1, 1, 0x55550300) + rec(1500, 3, 0, 4) + rec(1600, 1, 0, 0x55550100))
open(c + "uftrace/records.bin", "wb").write(b'\x02' + dat)
EOF
