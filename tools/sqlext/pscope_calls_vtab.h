/* tools/sqlext/pscope_calls_vtab.h: the table-valued function pscope_calls, which reads the
 * full trace (call_block rows, format in docs/schema.md "Trace blocks") as rows with the
 * columns of the `call` table:
 *
 *   SELECT * FROM pscope_calls(3) WHERE function_id = 17 AND ts BETWEEN 1e6 AND 2e6;
 *
 * Columns: id, run_id, thread_id, callpath_id, function_id, parent_id, depth, ts, dur,
 * self_dur (as in `call`), plus the hidden argument column `run` (the run id; without it,
 * every run's blocks are read). Rows come block by block in block id order, within a
 * block in completion order (a call after its callees).
 *
 * Push-down (xBestIndex): equality on run/run_id and thread_id selects call_block rows by
 * SQL; a range or equality on ts skips blocks whose [ts_min, ts_max] misses it (so a
 * time-range query decodes only the blocks that overlap); equality on function_id skips
 * blocks whose call-path dictionary lacks the function, read without decompressing the
 * columns. SQLite re-checks every constraint on the rows returned, so the push-down can
 * only save work, never change a result.
 *
 * Errors: a block that fails to decode (truncated, checksum, inconsistent) ends the query
 * with the SQL error "pscope_calls: call_block <id>: <problem>"; nothing crashes. A
 * database without call_block (schema version 1) yields no rows.
 *
 * Like pscope_sqlfuncs.h (which includes this file and registers the module from
 * pscope_sqlfuncs_register), this header holds static definitions bound to the SQLite API
 * of its includer (the loadable extension's routed API or the tools' plain sqlite3). The
 * decoding itself is common/traceblk.c (no SQLite calls).
 */
#ifndef PSCOPE_CALLS_VTAB_H
#define PSCOPE_CALLS_VTAB_H

#include <stdint.h>
#include <string.h>

#include "traceblk.h"

enum {
    PSC__COL_ID, PSC__COL_RUN_ID, PSC__COL_THREAD, PSC__COL_CALLPATH, PSC__COL_FUNCTION,
    PSC__COL_PARENT, PSC__COL_DEPTH, PSC__COL_TS, PSC__COL_DUR, PSC__COL_SELF, PSC__COL_RUN
};

/* idxNum bits: which constraints xFilter receives, in this order, as argv[]. */
#define PSC__Q_RUN 1
#define PSC__Q_THREAD 2
#define PSC__Q_FUNC 4
#define PSC__Q_TS_LO 8   /* ts >= value (GE/EQ) */
#define PSC__Q_TS_LO1 16 /* ts > value (GT): lower bound value + 1 */
#define PSC__Q_TS_HI 32  /* ts <= value (LE/EQ) */
#define PSC__Q_TS_HI1 64 /* ts < value (LT): upper bound value - 1 */

typedef struct pscope__calls_vtab {
    sqlite3_vtab base;
    sqlite3 *db;                /* the connection, to read call_block */
} pscope__calls_vtab;

typedef struct pscope__calls_cursor {
    sqlite3_vtab_cursor base;
    sqlite3_stmt *blocks;       /* call_block rows to read */
    pscope_tb_block blk;        /* the current decoded block */
    uint32_t i;                 /* current call in blk */
    int have_block, eof;
    int64_t block_run;          /* run_id of the current block */
    int64_t block_thread;
    int have_func;              /* function filter */
    int64_t func;
    uint64_t ts_lo, ts_hi;      /* time filter, inclusive */
} pscope__calls_cursor;

static int pscope__calls_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                                 sqlite3_vtab **out, char **err)
{
    (void)aux;
    (void)argc;
    (void)argv;
    (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(id INTEGER, run_id INTEGER, thread_id INTEGER,"
                                      " callpath_id INTEGER, function_id INTEGER, parent_id INTEGER,"
                                      " depth INTEGER, ts INTEGER, dur INTEGER, self_dur INTEGER,"
                                      " run HIDDEN)");
    if (rc != SQLITE_OK)
        return rc;
    pscope__calls_vtab *v = sqlite3_malloc(sizeof *v);
    if (!v)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    v->db = db;
    *out = &v->base;
    return SQLITE_OK;
}

static int pscope__calls_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

static int pscope__calls_best_index(sqlite3_vtab *v, sqlite3_index_info *ii)
{
    (void)v;
    int use[7];
    for (int k = 0; k < 7; k++)
        use[k] = -1;
    int run_arg_unusable = 0;
    for (int i = 0; i < ii->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &ii->aConstraint[i];
        int col = c->iColumn;
        unsigned char op = c->op;
        if (!c->usable) {
            if (col == PSC__COL_RUN)
                run_arg_unusable = 1;
            continue;
        }
        int k = -1;
        if ((col == PSC__COL_RUN || col == PSC__COL_RUN_ID) && op == SQLITE_INDEX_CONSTRAINT_EQ)
            k = 0;
        else if (col == PSC__COL_THREAD && op == SQLITE_INDEX_CONSTRAINT_EQ)
            k = 1;
        else if (col == PSC__COL_FUNCTION && op == SQLITE_INDEX_CONSTRAINT_EQ)
            k = 2;
        else if (col == PSC__COL_TS && (op == SQLITE_INDEX_CONSTRAINT_GE || op == SQLITE_INDEX_CONSTRAINT_EQ))
            k = 3;
        else if (col == PSC__COL_TS && op == SQLITE_INDEX_CONSTRAINT_GT)
            k = 4;
        else if (col == PSC__COL_TS && (op == SQLITE_INDEX_CONSTRAINT_LE || op == SQLITE_INDEX_CONSTRAINT_EQ))
            k = 5;
        else if (col == PSC__COL_TS && op == SQLITE_INDEX_CONSTRAINT_LT)
            k = 6;
        if (k < 0)
            continue;
        if (col == PSC__COL_TS && op == SQLITE_INDEX_CONSTRAINT_EQ) {
            if (use[3] < 0)
                use[3] = i;
            if (use[5] < 0)
                use[5] = i;
            continue;
        }
        if (col == PSC__COL_RUN) /* the argument wins over a run_id constraint */
            use[0] = i;
        else if (use[k] < 0)
            use[k] = i;
    }
    if (run_arg_unusable && use[0] < 0)
        return SQLITE_CONSTRAINT; /* pscope_calls(x.id) in a join: wait until x is known */
    int idx = 0, argi = 0;
    double cost = 1e9;
    for (int k = 0; k < 7; k++) {
        if (use[k] < 0)
            continue;
        idx |= 1 << k;
        /* one argv slot per bit, even when two bits share a constraint (ts = x) */
        int c = use[k];
        if (ii->aConstraintUsage[c].argvIndex == 0) {
            ii->aConstraintUsage[c].argvIndex = ++argi;
        }
        /* the hidden argument is only ours to check */
        ii->aConstraintUsage[c].omit = ii->aConstraint[c].iColumn == PSC__COL_RUN;
        cost /= k == 0 ? 100 : k == 2 ? 10 : 4;
    }
    /* xFilter needs the argv index of each bit: encode them in idxStr ("k:argv,...") */
    char *s = sqlite3_malloc(64);
    if (!s)
        return SQLITE_NOMEM;
    int off = 0;
    for (int k = 0; k < 7; k++)
        if (use[k] >= 0)
            off += snprintf(s + off, (size_t)(64 - off), "%d", ii->aConstraintUsage[use[k]].argvIndex);
        else
            off += snprintf(s + off, (size_t)(64 - off), "0");
    ii->idxStr = s;
    ii->needToFreeIdxStr = 1;
    ii->idxNum = idx;
    ii->estimatedCost = cost;
    ii->estimatedRows = (sqlite3_int64)(cost / 10) + 1;
    return SQLITE_OK;
}

static int pscope__calls_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    (void)v;
    pscope__calls_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int pscope__calls_close(sqlite3_vtab_cursor *cur)
{
    pscope__calls_cursor *c = (pscope__calls_cursor *)cur;
    sqlite3_finalize(c->blocks);
    pscope_tb_block_free(&c->blk);
    sqlite3_free(c);
    return SQLITE_OK;
}

/* Does call i of the current block pass the pushed-down filters? */
static int pscope__calls_keep(const pscope__calls_cursor *c, uint32_t i)
{
    const pscope_tcall *t = &c->blk.calls[i];
    return t->ts >= c->ts_lo && t->ts <= c->ts_hi && (!c->have_func || t->function_id == c->func);
}

/* Move to the next block with a call passing the filters; sets eof at the end. */
static int pscope__calls_next_block(pscope__calls_cursor *c)
{
    sqlite3_vtab *v = c->base.pVtab;
    for (;;) {
        int rc = sqlite3_step(c->blocks);
        if (rc == SQLITE_DONE) {
            c->eof = 1;
            return SQLITE_OK;
        }
        if (rc != SQLITE_ROW) {
            sqlite3_free(v->zErrMsg);
            v->zErrMsg = sqlite3_mprintf("pscope_calls: reading call_block: %s",
                                         sqlite3_errmsg(sqlite3_db_handle(c->blocks)));
            return SQLITE_ERROR;
        }
        int64_t id = sqlite3_column_int64(c->blocks, 0);
        c->block_run = sqlite3_column_int64(c->blocks, 1);
        c->block_thread = sqlite3_column_int64(c->blocks, 2);
        const uint8_t *data = sqlite3_column_blob(c->blocks, 3);
        size_t len = (size_t)sqlite3_column_bytes(c->blocks, 3);
        char err[256];
        int got = pscope_tb_decode_if(data, len, c->block_run, c->block_thread, c->ts_lo, c->ts_hi,
                                      c->have_func, c->func, &c->blk, err, sizeof err);
        if (got == 0)
            continue;
        if (got < 0) {
            sqlite3_free(v->zErrMsg);
            v->zErrMsg = sqlite3_mprintf("pscope_calls: call_block %lld: %s", (long long)id, err);
            return SQLITE_ERROR;
        }
        for (c->i = 0; c->i < c->blk.info.ncalls; c->i++)
            if (pscope__calls_keep(c, c->i))
                return SQLITE_OK;
    }
}

static int pscope__calls_next(sqlite3_vtab_cursor *cur)
{
    pscope__calls_cursor *c = (pscope__calls_cursor *)cur;
    while (++c->i < c->blk.info.ncalls)
        if (pscope__calls_keep(c, c->i))
            return SQLITE_OK;
    return pscope__calls_next_block(c);
}

/* Integer value of a constraint argument, or 0 if it is not an integer (then no
 * push-down for it: SQLite still checks the constraint on every row). */
static int pscope__calls_int_arg(sqlite3_value *v, int64_t *out)
{
    if (sqlite3_value_numeric_type(v) != SQLITE_INTEGER)
        return 0;
    *out = sqlite3_value_int64(v);
    return 1;
}

static int pscope__calls_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                                sqlite3_value **argv)
{
    pscope__calls_cursor *c = (pscope__calls_cursor *)cur;
    sqlite3_vtab *v = cur->pVtab;
    sqlite3_finalize(c->blocks);
    c->blocks = NULL;
    c->eof = 0;
    c->have_func = 0;
    c->ts_lo = 0;
    c->ts_hi = UINT64_MAX;
    c->blk.info.ncalls = 0;
    c->i = 0;
    sqlite3_value *arg[7] = {0};
    for (int k = 0; k < 7 && idxStr && idxStr[k]; k++) {
        int a = idxStr[k] - '0';
        if ((idxNum & (1 << k)) && a >= 1 && a <= argc)
            arg[k] = argv[a - 1];
    }
    int64_t x;
    int64_t run = 0, thread = 0;
    int have_run = 0, have_thread = 0, empty = 0;
    if (arg[0]) {
        if (sqlite3_value_type(arg[0]) == SQLITE_NULL)
            empty = 1; /* run = NULL matches nothing */
        else if (pscope__calls_int_arg(arg[0], &x))
            run = x, have_run = 1;
    }
    if (arg[1] && pscope__calls_int_arg(arg[1], &x))
        thread = x, have_thread = 1;
    if (arg[2] && pscope__calls_int_arg(arg[2], &x))
        c->func = x, c->have_func = 1;
    if (arg[3] && pscope__calls_int_arg(arg[3], &x) && x > 0)
        c->ts_lo = (uint64_t)x;
    if (arg[4] && pscope__calls_int_arg(arg[4], &x) && x >= 0)
        c->ts_lo = (uint64_t)x + 1;
    if (arg[5] && pscope__calls_int_arg(arg[5], &x))
        empty |= x < 0, c->ts_hi = x < 0 ? 0 : (uint64_t)x;
    if (arg[6] && pscope__calls_int_arg(arg[6], &x))
        empty |= x <= 0, c->ts_hi = x <= 0 ? 0 : (uint64_t)x - 1;
    if (c->ts_lo > c->ts_hi)
        empty = 1;
    if (empty) {
        c->eof = 1;
        return SQLITE_OK;
    }
    sqlite3 *db = ((pscope__calls_vtab *)v)->db;
    char sql[256] = "SELECT id, run_id, thread_id, data FROM call_block WHERE 1";
    if (have_run)
        strcat(sql, " AND run_id = ?1");
    if (have_thread)
        strcat(sql, " AND thread_id = ?2");
    if (c->ts_lo > 0)
        strcat(sql, " AND ts_max >= ?3");
    if (c->ts_hi < UINT64_MAX)
        strcat(sql, " AND ts_min <= ?4");
    strcat(sql, " ORDER BY id");
    if (sqlite3_prepare_v2(db, sql, -1, &c->blocks, NULL) != SQLITE_OK) {
        sqlite3_stmt *chk = NULL;
        int exists = 1;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                   " AND name = 'call_block'", -1, &chk, NULL) == SQLITE_OK &&
            sqlite3_step(chk) == SQLITE_ROW)
            exists = sqlite3_column_int(chk, 0) > 0;
        sqlite3_finalize(chk);
        if (!exists) { /* schema version 1: no trace */
            c->eof = 1;
            return SQLITE_OK;
        }
        sqlite3_free(v->zErrMsg);
        v->zErrMsg = sqlite3_mprintf("pscope_calls: %s", sqlite3_errmsg(db));
        return SQLITE_ERROR;
    }
    if (have_run)
        sqlite3_bind_int64(c->blocks, 1, run);
    if (have_thread)
        sqlite3_bind_int64(c->blocks, 2, thread);
    if (c->ts_lo > 0)
        sqlite3_bind_int64(c->blocks, 3, (sqlite3_int64)c->ts_lo);
    if (c->ts_hi < UINT64_MAX)
        sqlite3_bind_int64(c->blocks, 4, (sqlite3_int64)c->ts_hi);
    return pscope__calls_next_block(c);
}

static int pscope__calls_eof(sqlite3_vtab_cursor *cur)
{
    return ((pscope__calls_cursor *)cur)->eof;
}

static int pscope__calls_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    pscope__calls_cursor *c = (pscope__calls_cursor *)cur;
    const pscope_tcall *t = &c->blk.calls[c->i];
    sqlite3_int64 base = (sqlite3_int64)((uint64_t)c->block_run << 40);
    switch (col) {
    case PSC__COL_ID: sqlite3_result_int64(ctx, base + (sqlite3_int64)t->seq); break;
    case PSC__COL_RUN_ID:
    case PSC__COL_RUN: sqlite3_result_int64(ctx, c->block_run); break;
    case PSC__COL_THREAD: sqlite3_result_int64(ctx, c->block_thread); break;
    case PSC__COL_CALLPATH: sqlite3_result_int64(ctx, t->callpath_id); break;
    case PSC__COL_FUNCTION: sqlite3_result_int64(ctx, t->function_id); break;
    case PSC__COL_PARENT:
        if (t->parent_seq)
            sqlite3_result_int64(ctx, base + (sqlite3_int64)t->parent_seq);
        break; /* NULL at depth 0 */
    case PSC__COL_DEPTH: sqlite3_result_int64(ctx, t->depth); break;
    case PSC__COL_TS: sqlite3_result_int64(ctx, (sqlite3_int64)t->ts); break;
    case PSC__COL_DUR: sqlite3_result_int64(ctx, (sqlite3_int64)t->dur); break;
    case PSC__COL_SELF: sqlite3_result_int64(ctx, (sqlite3_int64)t->self_dur); break;
    default: break;
    }
    return SQLITE_OK;
}

static int pscope__calls_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    pscope__calls_cursor *c = (pscope__calls_cursor *)cur;
    *rowid = (sqlite3_int64)((uint64_t)c->block_run << 40) + (sqlite3_int64)c->blk.calls[c->i].seq;
    return SQLITE_OK;
}

static const sqlite3_module pscope__calls_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only: pscope_calls(...) needs no CREATE VIRTUAL TABLE */
    .xConnect = pscope__calls_connect,
    .xBestIndex = pscope__calls_best_index,
    .xDisconnect = pscope__calls_disconnect,
    .xDestroy = pscope__calls_disconnect,
    .xOpen = pscope__calls_open,
    .xClose = pscope__calls_close,
    .xFilter = pscope__calls_filter,
    .xNext = pscope__calls_next,
    .xEof = pscope__calls_eof,
    .xColumn = pscope__calls_column,
    .xRowid = pscope__calls_rowid,
};

/* Register pscope_calls on db. Returns SQLITE_OK or an SQLite error code. */
static int pscope_calls_vtab_register(sqlite3 *db)
{
    return sqlite3_create_module(db, "pscope_calls", &pscope__calls_module, NULL);
}

#endif /* PSCOPE_CALLS_VTAB_H */
