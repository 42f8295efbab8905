/* tests/fuzz/targets_import.c: fuzz entry points of pscope-import's readers
 * (tools/lib/import.h), declared in targets.h and listed in targets.c's table: Chrome
 * Trace Event JSON, cProfile marshal files and uftrace data pieces. Each input that a
 * reader accepts is also written with imp_write into a fresh in-memory database with
 * pscope's schema, so the builder and the writer are fuzzed too.
 *
 * Invariants as in targets.c: never exit or abort, free everything, bounded work (the
 * readers bound nesting and check every length against the bytes left).
 */
#include "targets.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "import.h"
#include "sql_embed.h"

/* Store the builder's run into a fresh in-memory database (errors are fine). */
static void store(imp_builder *b)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) == SQLITE_OK &&
        sqlite3_exec(db, pscope_sql_text("schema"), NULL, NULL, NULL) == SQLITE_OK) {
        imp_meta m;
        memset(&m, 0, sizeof m);
        m.source = "fuzz";
        m.scale = NAN;
        m.started_wall = 1;
        int64_t id = 0;
        (void)imp_write(b, db, &m, "fuzz", &id);
    }
    sqlite3_close(db);
}

int pscope_fuzz_chrome(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)(uintptr_t)data, size, "r");
    if (!f)
        return 0;
    imp_builder *b = imp_new(1000);
    uint64_t skipped = 0;
    if (imp_read_chrome(b, f, "fuzz.json", &skipped) == 0)
        store(b);
    fclose(f);
    imp_free(b);
    return 0;
}

int pscope_fuzz_cprofile(const uint8_t *data, size_t size)
{
    imp_builder *b = imp_new(1000);
    if (imp_read_cprofile(b, data, size, "fuzz.prof") == 0)
        store(b);
    imp_free(b);
    return 0;
}

static const char MAP[] = "55550000-55560000 r-xp 00000000 00:00 0  /bin/p build-id:00\n"
                          "7f0000000000-7f0000010000 r-xp 00000000 00:00 0 /lib/l.so\n";
static const char SYM[] = "# path name: /bin/p\n0000000000000100 T main\n0000000000000200 t a\n"
                          "0000000000000300 W b\n0000000000000400 ? __func_end\n";

int pscope_fuzz_uftrace(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    imp_uftrace *u = imp_uftrace_new();
    imp_builder *b = imp_new(1000);
    int rc;
    switch (data[0] % 3) {
    case 0: /* a memory map */
        rc = imp_uftrace_parse_map(u, text, len, "sid-fuzz.map");
        break;
    case 1: /* a symbol file for the fixed map */
        rc = imp_uftrace_parse_map(u, MAP, sizeof MAP - 1, "sid-fuzz.map");
        if (!rc)
            rc = imp_uftrace_parse_sym(u, text, len, "p.sym");
        break;
    default: /* task records resolved through the fixed map and symbols */
        rc = imp_uftrace_parse_map(u, MAP, sizeof MAP - 1, "sid-fuzz.map");
        if (!rc)
            rc = imp_uftrace_parse_sym(u, SYM, sizeof SYM - 1, "p.sym");
        if (!rc)
            rc = imp_uftrace_parse_dat(u, b, 1, data + 1, len, "1.dat");
        if (!rc)
            store(b);
        break;
    }
    imp_free(b);
    imp_uftrace_free(u);
    return 0;
}
