/* tests/unit/test_export.c: unit tests of pscope-export's library (tools/lib/export.h)
 * on a constructed run with exact expected output: folded stacks (self and calls
 * weights, ';' and control characters escaped, filters), Chrome Trace Event JSON (parsed
 * back with cJSON: metadata, X events with ns-exact µs timestamps, invalid UTF-8 replaced)
 * and pprof (gunzipped with zlib and decoded with protobuf-c: sample types, stacks leaf
 * first, values calls/self/total, string table). The run is built with the import
 * builder (tools/lib/import.h) into a temporary database file. */
#include <CUnit/Basic.h>
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "export.h"
#include "import.h"
#include "profile.pb-c.h"
#include "ptool.h"
#include "sql_embed.h"

static char db_path[64];

/* main(0..100) { "a;b"(10..30) { "new\nline"(12..20) } "bad\xff"(40..90) } on tid 5. */
static void build_db(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/pscope-test-export-XXXXXX");
    int fd = mkstemp(db_path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    sqlite3 *db = NULL;
    CU_ASSERT_FATAL(sqlite3_open(db_path, &db) == SQLITE_OK);
    CU_ASSERT_FATAL(sqlite3_exec(db, pscope_sql_text("schema"), NULL, NULL, NULL) == SQLITE_OK);
    imp_builder *b = imp_new(0);
    uint32_t th = imp_thread(b, 5, "t5");
    uint32_t m = imp_function(b, "main", NULL, "m.c", 3, 0, 0);
    uint32_t ab = imp_function(b, "a;b", NULL, NULL, 0, 0, 0);
    uint32_t nl = imp_function(b, "new\nline", NULL, NULL, 0, 0, 0);
    uint32_t bad = imp_function(b, "bad\xff", NULL, NULL, 0, 0, 0);
    imp_enter(b, th, m, 1000);
    imp_enter(b, th, ab, 1010);
    imp_enter(b, th, nl, 1012);
    imp_exit(b, th, 1020, nl);
    imp_exit(b, th, 1030, ab);
    imp_enter(b, th, bad, 1040);
    imp_exit(b, th, 1090, bad);
    imp_exit(b, th, 1100, m);
    imp_meta meta = {0};
    meta.source = "test";
    meta.scale = NAN;
    meta.pid = 77;
    meta.command = "prog 1";
    meta.started_wall = 1;
    int64_t id = 0;
    CU_ASSERT_FATAL(imp_write(b, db, &meta, "unit", &id) == 0);
    imp_free(b);
    sqlite3_close(db);
}

typedef struct loaded {
    pt_db *db;
    pt_run run;
    exp_profile p;
} loaded;

static void load(loaded *l, const char *filter)
{
    pt_filter *f = NULL;
    if (filter)
        CU_ASSERT_FATAL(pt_filter_add(&f, "--filter", filter, 0) == 0);
    CU_ASSERT_FATAL(pt_db_open(db_path, &l->db) == 0);
    CU_ASSERT_FATAL(pt_run_resolve(l->db, NULL, &l->run) == 0);
    CU_ASSERT_FATAL(exp_load(l->db, l->run.id, f, &l->p) == 0);
    pt_filter_free(f);
}

static void unload(loaded *l)
{
    exp_profile_free(&l->p);
    pt_run_clear(&l->run);
    pt_db_close(l->db);
}

/* Run a writer into memory; returns the bytes (caller frees), *len their count. */
static char *capture_folded(const exp_profile *p, int calls, size_t *lines)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *lines = exp_write_folded(f, p, calls);
    fclose(f);
    return buf;
}

static void test_folded(void)
{
    loaded l;
    load(&l, NULL);
    CU_ASSERT_STRING_EQUAL(l.run.source, "test");
    size_t lines = 0;
    char *s = capture_folded(&l.p, 0, &lines);
    CU_ASSERT_EQUAL(lines, 4);
    CU_ASSERT_STRING_EQUAL(s, "main 30\nmain;a:b 12\nmain;a:b;new?line 8\nmain;bad\xff 50\n");
    free(s);
    s = capture_folded(&l.p, 1, &lines);
    CU_ASSERT_STRING_EQUAL(s, "main 1\nmain;a:b 1\nmain;a:b;new?line 1\nmain;bad\xff 1\n");
    free(s);
    unload(&l);
    load(&l, "^main$");
    s = capture_folded(&l.p, 0, &lines);
    CU_ASSERT_STRING_EQUAL(s, "main 30\n");
    free(s);
    unload(&l);
}

/* The X event named `name` in a parsed trace, or NULL. */
static const cJSON *x_event(const cJSON *doc, const char *name)
{
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(doc, "traceEvents")) {
        const char *ph = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "ph"));
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "name"));
        if (ph && n && strcmp(ph, "X") == 0 && strcmp(n, name) == 0)
            return ev;
    }
    return NULL;
}

static void test_chrome(void)
{
    loaded l;
    load(&l, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    uint64_t events = 0;
    CU_ASSERT_EQUAL(exp_write_chrome(f, l.db, &l.run, &l.p, &events), 0);
    fclose(f);
    CU_ASSERT_EQUAL(events, 4);
    cJSON *doc = cJSON_Parse(buf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "traceEvents")), 6);
    const cJSON *ab = x_event(doc, "a;b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ab);
    CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(ab, "ts")->valuedouble, 0.010, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(ab, "dur")->valuedouble, 0.020, 1e-12);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(ab, "pid")->valueint, 77);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(ab, "tid")->valueint, 5);
    CU_ASSERT_PTR_NOT_NULL(x_event(doc, "new\nline"));
    CU_ASSERT_PTR_NOT_NULL(x_event(doc, "bad\xef\xbf\xbd")); /* U+FFFD */
    CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(x_event(doc, "main"), "dur")->valuedouble, 0.1, 1e-12);
    int thread_named = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(doc, "traceEvents")) {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "name"));
        if (n && strcmp(n, "thread_name") == 0 &&
            strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "args"), "name")), "t5") == 0)
            thread_named = 1;
    }
    CU_ASSERT(thread_named);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "otherData"), "calls_seen")->valueint, 4);
    cJSON_Delete(doc);

    /* and it reads back into the same figures */
    FILE *in = fmemopen(buf, len, "r");
    imp_builder *b = imp_new(0);
    CU_ASSERT_EQUAL(imp_read_chrome(b, in, "mem.json", NULL), 0);
    fclose(in);
    CU_ASSERT_EQUAL(imp_calls(b), 4);
    CU_ASSERT_EQUAL(imp_unmatched(b) + imp_unclosed(b), 0);
    imp_free(b);
    free(buf);
    unload(&l);
}

static void test_pprof(void)
{
    loaded l;
    load(&l, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(exp_write_pprof(f, &l.run, &l.p), 0);
    fclose(f);
    CU_ASSERT_FATAL(len > 18);
    CU_ASSERT_EQUAL((unsigned char)buf[0], 0x1f); /* gzip magic */
    CU_ASSERT_EQUAL((unsigned char)buf[1], 0x8b);
    /* gunzip */
    size_t cap = 1 << 20;
    uint8_t *raw = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    CU_ASSERT_FATAL(inflateInit2(&z, 15 + 16) == Z_OK);
    z.next_in = (Bytef *)buf;
    z.avail_in = (uInt)len;
    z.next_out = raw;
    z.avail_out = (uInt)cap;
    CU_ASSERT_EQUAL(inflate(&z, Z_FINISH), Z_STREAM_END);
    size_t rawlen = cap - z.avail_out;
    inflateEnd(&z);
    Perftools__Profiles__Profile *p = perftools__profiles__profile__unpack(NULL, rawlen, raw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL(p->string_table[0], "");
    CU_ASSERT_EQUAL(p->n_sample_type, 3);
    CU_ASSERT_STRING_EQUAL(p->string_table[p->sample_type[0]->type], "calls");
    CU_ASSERT_STRING_EQUAL(p->string_table[p->sample_type[1]->unit], "nanoseconds");
    CU_ASSERT_STRING_EQUAL(p->string_table[p->default_sample_type], "self");
    CU_ASSERT_EQUAL(p->n_sample, 4);
    CU_ASSERT_EQUAL(p->n_function, 4);
    int found = 0;
    for (size_t i = 0; i < p->n_sample; i++) {
        const Perftools__Profiles__Sample *s = p->sample[i];
        if (s->n_location_id != 3)
            continue;
        found = 1;
        /* leaf first: new\nline, a;b, main; locations and functions share ids */
        const Perftools__Profiles__Function *leaf = p->function[s->location_id[0] - 1];
        CU_ASSERT_STRING_EQUAL(p->string_table[leaf->name], "new\nline");
        CU_ASSERT_STRING_EQUAL(p->string_table[p->function[s->location_id[2] - 1]->name], "main");
        CU_ASSERT_STRING_EQUAL(p->string_table[p->function[s->location_id[2] - 1]->filename], "m.c");
        CU_ASSERT_EQUAL(p->function[s->location_id[2] - 1]->start_line, 3);
        CU_ASSERT_EQUAL(s->n_value, 3);
        CU_ASSERT_EQUAL(s->value[0], 1);
        CU_ASSERT_EQUAL(s->value[1], 8);
        CU_ASSERT_EQUAL(s->value[2], 8);
    }
    CU_ASSERT(found);
    CU_ASSERT_EQUAL(p->duration_nanos, 100);
    perftools__profiles__profile__free_unpacked(p, NULL);
    free(raw);
    free(buf);
    unload(&l);
}

int main(void)
{
    pt_init("test_export");
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("pscope-export", NULL, NULL);
    CU_add_test(s, "build the run", build_db);
    CU_add_test(s, "folded stacks: weights, escaping, filter", test_folded);
    CU_add_test(s, "Chrome JSON: valid, exact, reads back", test_chrome);
    CU_add_test(s, "pprof: gzip + profile.proto decoded back", test_pprof);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    if (db_path[0]) {
        unlink(db_path);
        char p[96];
        snprintf(p, sizeof p, "%s-wal", db_path);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", db_path);
        unlink(p);
    }
    return failed ? 1 : 0;
}
