/* tests/unit/test_import.c: unit tests of pscope-import's library (tools/lib/import.h) on
 * constructed input with exact expected values: the run builder's figures (recursion
 * counted once, primitive calls, self time, histograms, call paths, thread_stat, raw call
 * ids and parents, exits that close frames above, unmatched exits), the Chrome JSON
 * reader (B/E and out-of-order X nesting, fractional µs, bare array without ']', thread
 * names, unmatched B/E, malformed documents), the cProfile marshal reader (bytes written by
 * CPython's marshal with back-references; truncation and foreign objects), and the
 * uftrace record reader (symbol resolution through maps and .sym files, bad magic,
 * truncated records). Each built run is written with imp_write into an in-memory
 * database with pscope's schema and checked with SQL. */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "ptool.h"
#include "sql_embed.h"

/* A fresh in-memory database with the schema. */
static sqlite3 *mem_db(void)
{
    sqlite3 *db = NULL;
    CU_ASSERT_FATAL(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CU_ASSERT_FATAL(sqlite3_exec(db, pscope_sql_text("schema"), NULL, NULL, NULL) == SQLITE_OK);
    return db;
}

/* The integer result of a one-value query; -999 when no row or an error. */
static long long q(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -999;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "query failed: %s: %s\n", sql, sqlite3_errmsg(db));
        return v;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Write builder b as a run of db (source "test"); returns imp_write's code. */
static int store(imp_builder *b, sqlite3 *db)
{
    imp_meta m = {0};
    m.source = "test";
    m.scale = NAN;
    m.started_wall = 1;
    int64_t id = 0;
    return imp_write(b, db, &m, "unit", &id);
}

/* main(0..100) { fib(10..50) { fib(20..30) } } on one thread. */
static void test_builder_recursion(void)
{
    imp_builder *b = imp_new(0);
    uint32_t th = imp_thread(b, 42, "worker");
    uint32_t fmain = imp_function(b, "main", NULL, NULL, 0, 0, 0);
    uint32_t ffib = imp_function(b, "fib", "/bin/x", "x.c", 7, 0x1000, 0x100);
    CU_ASSERT_EQUAL(imp_function(b, "fib", "/bin/x", "x.c", 7, 0, 0), ffib); /* interned */
    imp_enter(b, th, fmain, 1000);
    imp_enter(b, th, ffib, 1010);
    imp_enter(b, th, ffib, 1020);
    CU_ASSERT_EQUAL(imp_exit(b, th, 1030, ffib), 0);
    CU_ASSERT_EQUAL(imp_exit(b, th, 1050, ffib), 0);
    CU_ASSERT_EQUAL(imp_exit(b, th, 1100, fmain), 0);
    CU_ASSERT_EQUAL(imp_exit(b, th, 1200, fmain), 1); /* nothing open: unmatched */
    sqlite3 *db = mem_db();
    CU_ASSERT_EQUAL(store(b, db), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM function_summary WHERE name='fib'"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT primitive_calls FROM function_stat s JOIN function f ON f.id=s.function_id WHERE name='fib'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM function_summary WHERE name='fib'"), 40);
    CU_ASSERT_EQUAL(q(db, "SELECT self_dur FROM function_summary WHERE name='fib'"), 40);
    CU_ASSERT_EQUAL(q(db, "SELECT sum_dur FROM function_stat s JOIN function f ON f.id=s.function_id WHERE name='fib'"), 50);
    CU_ASSERT_EQUAL(q(db, "SELECT sum_sq_dur FROM function_stat s JOIN function f ON f.id=s.function_id WHERE name='fib'"), 1700);
    CU_ASSERT_EQUAL(q(db, "SELECT min_dur FROM function_summary WHERE name='fib'"), 10);
    CU_ASSERT_EQUAL(q(db, "SELECT max_dur FROM function_summary WHERE name='fib'"), 40);
    CU_ASSERT_EQUAL(q(db, "SELECT self_dur FROM function_summary WHERE name='main'"), 60);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM function_summary WHERE name='main'"), 100);
    CU_ASSERT_EQUAL(q(db, "SELECT line FROM function WHERE name='fib'"), 7);
    CU_ASSERT_EQUAL(q(db, "SELECT address FROM function WHERE name='fib'"), 0x1000);
    /* histograms: fib durations 10 and 40, self 10 and 30 */
    CU_ASSERT_EQUAL(q(db, "SELECT group_concat(bucket || ':' || count) = '10:1,40:1' FROM function_hist h JOIN function f ON f.id=h.function_id WHERE name='fib'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT group_concat(bucket || ':' || count) = '10:1,30:1' FROM function_self_hist h JOIN function f ON f.id=h.function_id WHERE name='fib'"), 1);
    /* call paths */
    CU_ASSERT_EQUAL(q(db, "SELECT calls || '/' || total_dur || '/' || self_dur = '1/40/30' FROM callpath_summary WHERE path='main;fib'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT calls || '/' || total_dur || '/' || self_dur = '1/10/10' FROM callpath_summary WHERE path='main;fib;fib'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT depth FROM callpath_summary WHERE path='main;fib;fib'"), 2);
    /* thread and thread_stat */
    CU_ASSERT_EQUAL(q(db, "SELECT tid FROM thread WHERE name='worker' AND is_main=1 AND ts=0 AND end_ts=200"), 42);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM thread"), 3);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM thread_stat t JOIN function f ON f.id=t.function_id WHERE name='fib'"), 40);
    /* raw calls: ids run<<40 + entry sequence, parents, ts relative to the first event */
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM call"), 3);
    CU_ASSERT_EQUAL(q(db, "SELECT id - (1 << 40) FROM call WHERE ts=20"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT parent_id - (1 << 40) FROM call WHERE ts=20"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM call WHERE parent_id IS NULL AND depth=0 AND dur=100 AND self_dur=60"), 1);
    /* run row */
    CU_ASSERT_EQUAL(q(db, "SELECT calls_seen*1000 + calls_stored*10 + unmatched_exits FROM run WHERE source='test' AND complete=1"), 3031);
    CU_ASSERT_EQUAL(q(db, "SELECT dur FROM run"), 200);
    CU_ASSERT_EQUAL(q(db, "SELECT max_depth_seen FROM run"), 3);
    sqlite3_close(db);
    imp_free(b);
}

/* An exit of a deeper frame closes the frames above it; budgets keep the first rows. */
static void test_builder_exit_search_and_budget(void)
{
    imp_builder *b = imp_new(2);
    uint32_t th = imp_thread(b, 1, NULL);
    uint32_t a = imp_function(b, "a", NULL, NULL, 0, 0, 0);
    uint32_t c = imp_function(b, "c", NULL, NULL, 0, 0, 0);
    uint32_t d = imp_function(b, "d", NULL, NULL, 0, 0, 0);
    imp_enter(b, th, a, 0);
    imp_enter(b, th, c, 10);
    imp_enter(b, th, d, 20);
    CU_ASSERT_EQUAL(imp_exit(b, th, 50, a), 0); /* longjmp-like: d and c close at 50 too */
    imp_enter(b, th, c, 60); /* never ended: closed at the thread's last ts (70) */
    imp_exit(b, th, 70, d);  /* d not open: unmatched */
    sqlite3 *db = mem_db();
    CU_ASSERT_EQUAL(store(b, db), 0);
    CU_ASSERT_EQUAL(imp_unclosed(b), 1);
    CU_ASSERT_EQUAL(imp_unmatched(b), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM function_summary WHERE name='d'"), 30);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM function_summary WHERE name='c'"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM function_summary WHERE name='c'"), 50);
    CU_ASSERT_EQUAL(q(db, "SELECT calls_seen * 10 + calls_stored FROM run"), 42);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM call"), 2);
    sqlite3_close(db);
    imp_free(b);
}

/* Read a Chrome document from a string. */
static int chrome(imp_builder *b, const char *json, uint64_t *skipped)
{
    FILE *f = fmemopen((void *)json, strlen(json), "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    int rc = imp_read_chrome(b, f, "t.json", skipped);
    fclose(f);
    return rc;
}

static void test_chrome(void)
{
    /* X events out of order (child before parent), a B/E pair, fractional µs, thread
     * names, an instant event, other members around traceEvents */
    const char *doc =
        "{\"otherData\": {\"x\": [1, {\"y\": \"]}\"}]}, \"traceEvents\": [\n"
        " {\"name\": \"leaf\", \"ph\": \"X\", \"pid\": 1, \"tid\": 7, \"ts\": 10.5, \"dur\": 2.25},\n"
        " {\"name\": \"root\", \"ph\": \"X\", \"pid\": 1, \"tid\": 7, \"ts\": 10, \"dur\": 5},\n"
        " {\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": 7, \"args\": {\"name\": \"w\\\"7\"}},\n"
        " {\"name\": \"b\\u00e9\", \"ph\": \"B\", \"pid\": 1, \"tid\": 8, \"ts\": 100},\n"
        " {\"name\": \"mark\", \"ph\": \"i\", \"pid\": 1, \"tid\": 8, \"ts\": 101},\n"
        " {\"ph\": \"E\", \"pid\": 1, \"tid\": 8, \"ts\": 100.001},\n"
        " {\"ph\": \"E\", \"pid\": 1, \"tid\": 8, \"ts\": 102},\n"
        " {\"name\": \"open\", \"ph\": \"B\", \"pid\": 1, \"tid\": 8, \"ts\": 103}\n"
        "], \"displayTimeUnit\": \"ns\"}";
    imp_builder *b = imp_new(0);
    uint64_t skipped = 0;
    CU_ASSERT_EQUAL(chrome(b, doc, &skipped), 0);
    CU_ASSERT_EQUAL(skipped, 1);
    CU_ASSERT_EQUAL(imp_unmatched(b), 1); /* the second E */
    CU_ASSERT_EQUAL(imp_unclosed(b), 1);  /* "open" */
    sqlite3 *db = mem_db();
    CU_ASSERT_EQUAL(store(b, db), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM callpath_summary WHERE path='root;leaf'"), 2250);
    CU_ASSERT_EQUAL(q(db, "SELECT self_dur FROM callpath_summary WHERE path='root'"), 2750);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM function_summary WHERE name='b\xc3\xa9'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT ts FROM call c JOIN function f ON f.id=c.function_id WHERE f.name='leaf'"), 500);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM thread WHERE tid=7 AND name='w\"7'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT dur FROM call c JOIN function f ON f.id=c.function_id WHERE f.name='open'"), 0);
    sqlite3_close(db);
    imp_free(b);

    /* bare array form without the closing bracket */
    b = imp_new(0);
    CU_ASSERT_EQUAL(chrome(b, "[{\"name\":\"f\",\"ph\":\"X\",\"ts\":1,\"dur\":1,\"tid\":1},\n"
                              "{\"name\":\"f\",\"ph\":\"X\",\"ts\":3,\"dur\":1,\"tid\":1},\n", NULL), 0);
    CU_ASSERT_EQUAL(imp_calls(b), 2);
    imp_free(b);

    /* malformed documents */
    static const char *const bad[] = {
        "", "nope", "{\"traceEvents\": 3}", "{\"other\": 1}", "{\"traceEvents\": [1]}",
        "{\"traceEvents\": [{\"ph\": \"X\", \"name\": \"f\"}]}",          /* no ts */
        "{\"traceEvents\": [{\"ph\": \"X\", \"ts\": 1,}]}",               /* bad JSON */
        "{\"traceEvents\": [{\"ph\": \"X\", \"ts\": 1}",                  /* truncated */
        "{\"traceEvents\": [{\"ph\": \"X\", \"ts\": 1]}]}",               /* mismatched */
        "{\"traceEvents\": [{\"name\": \"unterminated}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        b = imp_new(0);
        CU_ASSERT_EQUAL(chrome(b, bad[i], NULL), PT_EXIT_DATA);
        imp_free(b);
    }
}

/* marshal.dumps of {('a.py',3,'f'): (1,2,0.5,1.5,{('a.py',1,'g'): (2,1,0.5,1.5)}),
 * ('a.py',1,'g'): (1,1,0.25,2.0,{}), ('~',0,'<built-in method len>'): (4,4,2e-6,2e-6,
 * {('a.py',3,'f'): (4,4,2e-6,2e-6)})} by CPython 3.11 (with back-references). */
static const uint8_t PSTATS[] = {
    0xfb, 0xa9, 0x03, 0xfa, 0x04, 0x61, 0x2e, 0x70, 0x79, 0xe9, 0x03, 0x00, 0x00, 0x00, 0xda, 0x01,
    0x66, 0x29, 0x05, 0xe9, 0x01, 0x00, 0x00, 0x00, 0xe9, 0x02, 0x00, 0x00, 0x00, 0xe7, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f, 0xe7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x7b,
    0xa9, 0x03, 0x72, 0x02, 0x00, 0x00, 0x00, 0x72, 0x05, 0x00, 0x00, 0x00, 0xda, 0x01, 0x67, 0xa9,
    0x04, 0x72, 0x06, 0x00, 0x00, 0x00, 0x72, 0x05, 0x00, 0x00, 0x00, 0x72, 0x07, 0x00, 0x00, 0x00,
    0x72, 0x08, 0x00, 0x00, 0x00, 0x30, 0x72, 0x09, 0x00, 0x00, 0x00, 0x29, 0x05, 0x72, 0x05, 0x00,
    0x00, 0x00, 0x72, 0x05, 0x00, 0x00, 0x00, 0xe7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x3f,
    0xe7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x7b, 0x30, 0xa9, 0x03, 0xfa, 0x01, 0x7e,
    0xe9, 0x00, 0x00, 0x00, 0x00, 0xfa, 0x15, 0x3c, 0x62, 0x75, 0x69, 0x6c, 0x74, 0x2d, 0x69, 0x6e,
    0x20, 0x6d, 0x65, 0x74, 0x68, 0x6f, 0x64, 0x20, 0x6c, 0x65, 0x6e, 0x3e, 0x29, 0x05, 0xe9, 0x04,
    0x00, 0x00, 0x00, 0x72, 0x12, 0x00, 0x00, 0x00, 0xe7, 0x8d, 0xed, 0xb5, 0xa0, 0xf7, 0xc6, 0xc0,
    0x3e, 0x72, 0x13, 0x00, 0x00, 0x00, 0x7b, 0x72, 0x01, 0x00, 0x00, 0x00, 0xa9, 0x04, 0x72, 0x12,
    0x00, 0x00, 0x00, 0x72, 0x12, 0x00, 0x00, 0x00, 0x72, 0x13, 0x00, 0x00, 0x00, 0x72, 0x13, 0x00,
    0x00, 0x00, 0x30, 0x30,
};

static void test_cprofile(void)
{
    imp_builder *b = imp_new(0);
    CU_ASSERT_EQUAL_FATAL(imp_read_cprofile(b, PSTATS, sizeof PSTATS, "t.prof"), 0);
    sqlite3 *db = mem_db();
    CU_ASSERT_EQUAL(store(b, db), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT calls * 10 + primitive_calls FROM function_summary WHERE name='f' AND file='a.py' AND line=3"), 21);
    CU_ASSERT_EQUAL(q(db, "SELECT self_dur FROM function_summary WHERE name='f'"), 500000000);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM function_summary WHERE name='f'"), 1500000000);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM function_summary WHERE name='g'"), 2000000000);
    CU_ASSERT_EQUAL(q(db, "SELECT self_dur FROM function_summary WHERE name='<built-in method len>' AND file IS NULL AND line IS NULL"), 2000);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM callpath"), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM function_hist"), 0);
    /* caller edges: (nc, cc) order of pstats' callers entries */
    CU_ASSERT_EQUAL(q(db, "SELECT c.calls * 10 + c.primitive_calls FROM function_caller c JOIN function e ON e.id=c.function_id"
                          " JOIN function r ON r.id=c.caller_id WHERE e.name='f' AND r.name='g'"), 21);
    CU_ASSERT_EQUAL(q(db, "SELECT c.total_dur FROM function_caller c JOIN function e ON e.id=c.function_id"
                          " WHERE e.name='<built-in method len>'"), 2000);
    CU_ASSERT_EQUAL(q(db, "SELECT calls_seen FROM run"), 7);
    sqlite3_close(db);
    imp_free(b);

    /* every truncation fails cleanly; so do trailing bytes and foreign objects */
    for (size_t n = 0; n < sizeof PSTATS; n++) {
        b = imp_new(0);
        CU_ASSERT_EQUAL(imp_read_cprofile(b, PSTATS, n, "t.prof"), PT_EXIT_DATA);
        imp_free(b);
    }
    uint8_t more[sizeof PSTATS + 1];
    memcpy(more, PSTATS, sizeof PSTATS);
    more[sizeof PSTATS] = 'N';
    b = imp_new(0);
    CU_ASSERT_EQUAL(imp_read_cprofile(b, more, sizeof more, "t.prof"), PT_EXIT_DATA);
    imp_free(b);
    static const uint8_t code_obj[] = {'c', 0, 0, 0, 0};
    static const uint8_t not_dict[] = {')', 0};
    static const uint8_t bad_ref[] = {'{', 'r', 5, 0, 0, 0, '0'};
    b = imp_new(0);
    CU_ASSERT_EQUAL(imp_read_cprofile(b, code_obj, sizeof code_obj, "t.prof"), PT_EXIT_DATA);
    CU_ASSERT_EQUAL(imp_read_cprofile(b, not_dict, sizeof not_dict, "t.prof"), PT_EXIT_DATA);
    CU_ASSERT_EQUAL(imp_read_cprofile(b, bad_ref, sizeof bad_ref, "t.prof"), PT_EXIT_DATA);
    imp_free(b);
}

/* One 16-byte uftrace record. */
static void rec(uint8_t *p, uint64_t time, unsigned type, unsigned depth, uint64_t addr)
{
    uint64_t w = type | (5u << 3) | ((uint64_t)depth << 6) | (addr << 16);
    memcpy(p, &time, 8);
    memcpy(p + 8, &w, 8);
}

static void test_uftrace_records(void)
{
    const char *map = "55550000-55551000 r-xp 00000000 00:00 0    /bin/prog build-id:ab\n"
                      "7f0000000000-7f0000001000 r-xp 00000000 00:00 0 /lib/libx.so\n";
    const char *sym = "# symbols: 2\n# path name: /bin/prog\n"
                      "0000000000000100 T main\n0000000000000200 t work\n0000000000000300 ? __func_end\n";
    imp_uftrace *u = imp_uftrace_new();
    CU_ASSERT_EQUAL(imp_uftrace_parse_map(u, map, strlen(map), "sid-1.map"), 0);
    CU_ASSERT_EQUAL(imp_uftrace_parse_sym(u, sym, strlen(sym), "prog.sym"), 0);
    uint8_t dat[6 * 16];
    rec(dat + 0, 1000, 0, 0, 0x55550100);
    rec(dat + 16, 1100, 0, 1, 0x55550200);
    rec(dat + 32, 1150, 2, 2, 1234); /* an event: skipped */
    rec(dat + 48, 1300, 1, 1, 0x55550200);
    rec(dat + 64, 1400, 0, 1, 0x7f0000000010); /* no symbols for libx.so */
    rec(dat + 80, 1450, 1, 1, 0x7f0000000010);
    imp_builder *b = imp_new(0);
    CU_ASSERT_EQUAL(imp_uftrace_parse_dat(u, b, 99, dat, sizeof dat, "99.dat"), 0);
    sqlite3 *db = mem_db();
    CU_ASSERT_EQUAL(store(b, db), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM function_summary WHERE name='work' AND module='/bin/prog'"), 200);
    CU_ASSERT_EQUAL(q(db, "SELECT offset FROM function WHERE name='work'"), 0x200);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM function_summary WHERE name='0x10' AND module='/lib/libx.so'"), 50);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur FROM function_summary WHERE name='main'"), 450); /* closed at the last event */
    CU_ASSERT_EQUAL(imp_unclosed(b), 1);
    sqlite3_close(db);
    imp_free(b);

    /* bad magic, truncated record, truncated argument data, bad map and sym lines */
    uint8_t bad[16];
    rec(bad, 1, 0, 0, 0x55550100);
    bad[8] &= (uint8_t)~0x38;
    b = imp_new(0);
    CU_ASSERT_EQUAL(imp_uftrace_parse_dat(u, b, 1, bad, 16, "1.dat"), PT_EXIT_DATA);
    CU_ASSERT_EQUAL(imp_uftrace_parse_dat(u, b, 1, dat, 20, "1.dat"), PT_EXIT_DATA);
    rec(bad, 1, 0, 0, 0x55550100);
    bad[8] |= 4; /* "more": argument data, not supported */
    CU_ASSERT_EQUAL(imp_uftrace_parse_dat(u, b, 1, bad, 16, "1.dat"), PT_EXIT_DATA);
    CU_ASSERT_EQUAL(imp_uftrace_parse_map(u, "garbage\n", 8, "sid-2.map"), PT_EXIT_DATA);
    CU_ASSERT_EQUAL(imp_uftrace_parse_sym(u, "zz\n", 3, "x.sym"), PT_EXIT_DATA);
    imp_free(b);
    imp_uftrace_free(u);
}

int main(void)
{
    pt_init("test_import");
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("pscope-import", NULL, NULL);
    CU_add_test(s, "builder: recursion, self, paths, rows, histograms", test_builder_recursion);
    CU_add_test(s, "builder: exits closing frames above, unclosed, budget", test_builder_exit_search_and_budget);
    CU_add_test(s, "Chrome JSON: nesting, units, names, malformed input", test_chrome);
    CU_add_test(s, "cProfile marshal: values, callers, truncation", test_cprofile);
    CU_add_test(s, "uftrace records: symbols, events, damaged data", test_uftrace_records);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
