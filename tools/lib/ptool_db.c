/* tools/lib/ptool_db.c: opening and validating a pscope database read-only, running the
 * embedded sql/<name>.sql statements with named parameters, and resolving which run a
 * tool reads (--run ID|LABEL, DB:RUN). Every failure prints one line naming the file and
 * the problem and maps to PT_EXIT_DATA (contracts in ptool.h).
 *
 * Validation order matters for the messages: file-level problems (missing, empty, not
 * SQLite) are found before SQLite is involved, then the schema version (a newer schema
 * is refused whatever its tables), then the presence of the pscope tables. */
#include "ptool_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "sql_embed.h"

#include "../sqlext/pscope_sqlfuncs.h"

int pt_sql_register(sqlite3 *db)
{
    return pscope_sqlfuncs_register(db);
}

/* Tables every pscope database has since schema version 1 (later versions add tables that
 * a reader must treat as optional: see docs/schema.md, "Versions"). */
static const char *const required_tables[] = {
    "run", "thread", "function", "function_stat", "function_hist", "callpath", "thread_stat",
    "call", "stage", "stage_hist", "resource_sample",
};

/* Check the file before SQLite sees it: exists, regular, non-empty, SQLite header. */
static int check_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        pt_error("%s: cannot open: %s", path, strerror(errno));
        return PT_EXIT_DATA;
    }
    if (S_ISDIR(st.st_mode)) {
        pt_error("%s: is a directory, not a pscope database", path);
        return PT_EXIT_DATA;
    }
    if (st.st_size == 0) {
        pt_error("%s: empty file, not a pscope database", path);
        return PT_EXIT_DATA;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pt_error("%s: cannot open: %s", path, strerror(errno));
        return PT_EXIT_DATA;
    }
    char head[16];
    ssize_t n = read(fd, head, sizeof head);
    int saved = errno;
    close(fd);
    if (n < 0) {
        pt_error("%s: cannot read: %s", path, strerror(saved));
        return PT_EXIT_DATA;
    }
    if (n < (ssize_t)sizeof head || memcmp(head, "SQLite format 3", 16) != 0) {
        pt_error("%s: not an SQLite database (no SQLite header), so not a pscope database",
                 path);
        return PT_EXIT_DATA;
    }
    return 0;
}

static int sqlite_problem(const char *path, sqlite3 *db, int rc)
{
    int code = rc & 0xff;
    if (code == SQLITE_NOTADB)
        pt_error("%s: not an SQLite database (%s)", path, sqlite3_errmsg(db));
    else if (code == SQLITE_CORRUPT)
        pt_error("%s: damaged database (%s)", path, sqlite3_errmsg(db));
    else
        pt_error("%s: cannot read: %s", path, sqlite3_errmsg(db));
    return PT_EXIT_DATA;
}

int pt_db_open(const char *path, pt_db **out)
{
    *out = NULL;
    if (!path || !*path) {
        pt_error("no database given");
        return PT_EXIT_DATA;
    }
    int rc = check_file(path);
    if (rc)
        return rc;
    sqlite3 *sql = NULL;
    int src = sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL);
    if (src != SQLITE_OK) {
        pt_error("%s: cannot open: %s", path, sql ? sqlite3_errmsg(sql) : sqlite3_errstr(src));
        sqlite3_close(sql);
        return PT_EXIT_DATA;
    }
    sqlite3_busy_timeout(sql, 5000);
    sqlite3_extended_result_codes(sql, 1);

    sqlite3_stmt *st = NULL;
    int version = -1;
    src = sqlite3_prepare_v2(sql, "PRAGMA user_version", -1, &st, NULL);
    if (src == SQLITE_OK) {
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            version = sqlite3_column_int(st, 0);
            src = SQLITE_OK;
        }
    }
    if (src != SQLITE_OK) {
        rc = sqlite_problem(path, sql, src);
        sqlite3_finalize(st);
        sqlite3_close(sql);
        return rc;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (version > PT_SCHEMA_VERSION) {
        pt_error("%s: schema version %d is newer than this %s supports (%d); use a newer pscope",
                 path, version, pt_progname(), PT_SCHEMA_VERSION);
        sqlite3_close(sql);
        return PT_EXIT_DATA;
    }

    size_t ntab = sizeof required_tables / sizeof required_tables[0];
    size_t found = 0;
    const char *missing = NULL;
    src = sqlite3_prepare_v2(sql, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                             -1, &st, NULL);
    for (size_t i = 0; src == SQLITE_OK && i < ntab; i++) {
        sqlite3_bind_text(st, 1, required_tables[i], -1, SQLITE_STATIC);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW)
            found++;
        else if (src == SQLITE_DONE && !missing)
            missing = required_tables[i];
        if (src == SQLITE_ROW || src == SQLITE_DONE)
            src = sqlite3_reset(st);
    }
    if (src != SQLITE_OK) {
        rc = sqlite_problem(path, sql, src);
        sqlite3_finalize(st);
        sqlite3_close(sql);
        return rc;
    }
    sqlite3_finalize(st);
    if (found == 0) {
        pt_error("%s: not a pscope database (an SQLite database without pscope tables)", path);
        sqlite3_close(sql);
        return PT_EXIT_DATA;
    }
    if (missing) {
        pt_error("%s: not a pscope database (table '%s' is missing)", path, missing);
        sqlite3_close(sql);
        return PT_EXIT_DATA;
    }
    if (version < 1) {
        pt_error("%s: not a pscope database (schema version %d)", path, version);
        sqlite3_close(sql);
        return PT_EXIT_DATA;
    }
    src = pt_sql_register(sql);
    if (src != SQLITE_OK) {
        pt_error("%s: cannot register SQL functions: %s", path, sqlite3_errstr(src));
        sqlite3_close(sql);
        return PT_EXIT_DATA;
    }
    sqlite3_exec(sql, "PRAGMA mmap_size = 268435456", NULL, NULL, NULL);

    pt_db *db = pt_xcalloc(1, sizeof *db);
    db->sql = sql;
    db->path = pt_xstrdup(path);
    db->schema_version = version;
    *out = db;
    return 0;
}

void pt_db_close(pt_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->sql);
    free(db->path);
    free(db);
}

/* 1 if the rest of an SQL text holds only whitespace and comments. */
static int sql_blank(const char *s)
{
    while (*s) {
        if (isspace((unsigned char)*s)) {
            s++;
        } else if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            if (!e)
                return 1;
            s = e + 2;
        } else if (*s == ';') {
            s++;
        } else {
            return 0;
        }
    }
    return 1;
}

sqlite3_stmt *pt_sql_prepare(pt_db *db, const char *name)
{
    const char *text = pscope_sql_text(name);
    if (!text) {
        pt_error("%s: query %s: no such embedded SQL file (internal error)", db->path, name);
        return NULL;
    }
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db->sql, text, -1, &st, &tail);
    if (rc != SQLITE_OK || !st) {
        pt_error("%s: query %s: %s", db->path, name,
                 rc != SQLITE_OK ? sqlite3_errmsg(db->sql) : "empty statement");
        sqlite3_finalize(st);
        return NULL;
    }
    if (tail && !sql_blank(tail)) {
        pt_error("%s: query %s: more than one statement (internal error)", db->path, name);
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

static int bind_index(sqlite3_stmt *st, const char *param)
{
    return sqlite3_bind_parameter_index(st, param);
}

int pt_sql_bind_int(sqlite3_stmt *st, const char *param, int64_t v)
{
    int i = bind_index(st, param);
    if (i == 0)
        return 1;
    return sqlite3_bind_int64(st, i, v) == SQLITE_OK ? 0 : -1;
}

int pt_sql_bind_real(sqlite3_stmt *st, const char *param, double v)
{
    int i = bind_index(st, param);
    if (i == 0)
        return 1;
    return sqlite3_bind_double(st, i, v) == SQLITE_OK ? 0 : -1;
}

int pt_sql_bind_text(sqlite3_stmt *st, const char *param, const char *v)
{
    int i = bind_index(st, param);
    if (i == 0)
        return 1;
    int rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
    return rc == SQLITE_OK ? 0 : -1;
}

int pt_sql_step(pt_db *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    int code = rc & 0xff;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        pt_error("%s: damaged database: %s", db->path, sqlite3_errmsg(db->sql));
    else
        pt_error("%s: query failed: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
}

double pt_sql_col_real(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NAN;
    return sqlite3_column_double(st, col);
}

const char *pt_sql_col_text(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    return (const char *)sqlite3_column_text(st, col);
}

char *pt_sql_col_strdup(sqlite3_stmt *st, int col)
{
    return pt_xstrdup(pt_sql_col_text(st, col));
}

/* ---- runs ------------------------------------------------------------------------- */

static void run_from_row(sqlite3_stmt *st, pt_run *r)
{
    memset(r, 0, sizeof *r);
    int c = 0;
    r->id = sqlite3_column_int64(st, c++);
    r->parent_run_id = sqlite3_column_int64(st, c++);
    r->label = pt_sql_col_strdup(st, c++);
    r->command = pt_sql_col_strdup(st, c++);
    r->executable = pt_sql_col_strdup(st, c++);
    r->host = pt_sql_col_strdup(st, c++);
    r->clock = pt_sql_col_strdup(st, c++);
    r->pscope_version = pt_sql_col_strdup(st, c++);
    r->pid = sqlite3_column_int64(st, c++);
    r->started_wall = sqlite3_column_int64(st, c++);
    r->ended_wall = sqlite3_column_int64(st, c++);
    r->dur = sqlite3_column_int64(st, c++);
    r->scale = pt_sql_col_real(st, c++);
    r->calls_seen = sqlite3_column_int64(st, c++);
    r->calls_stored = sqlite3_column_int64(st, c++);
    r->rows_dropped = sqlite3_column_int64(st, c++);
    r->events_lost = sqlite3_column_int64(st, c++);
    r->depth_overflow = sqlite3_column_int64(st, c++);
    r->unmatched_exits = sqlite3_column_int64(st, c++);
    r->max_depth_seen = sqlite3_column_int64(st, c++);
    r->complete = sqlite3_column_int(st, c++) != 0;
}

/* Fill runs[].source from run.source when the database has the column (version 2);
 * NULL (the collector) otherwise. Returns 0, or -1 after a message. */
static int runs_source(pt_db *db, pt_run *runs, size_t n)
{
    if (sqlite3_table_column_metadata(db->sql, NULL, "run", "source", NULL, NULL, NULL, NULL,
                                      NULL) != SQLITE_OK)
        return 0;
    sqlite3_stmt *st = pt_sql_prepare(db, "run_source");
    if (!st)
        return -1;
    int rc;
    size_t i = 0;
    while ((rc = pt_sql_step(db, st)) == 1) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *src = pt_sql_col_text(st, 1);
        while (i < n && runs[i].id < id)
            i++;
        if (i < n && runs[i].id == id && src && strcmp(src, "pscope") != 0)
            runs[i].source = pt_xstrdup(src);
    }
    sqlite3_finalize(st);
    return rc < 0 ? -1 : 0;
}

int pt_runs_list(pt_db *db, pt_run **runs, size_t *n)
{
    *runs = NULL;
    *n = 0;
    sqlite3_stmt *st = pt_sql_prepare(db, "stats_runs");
    if (!st)
        return PT_EXIT_DATA;
    size_t cap = 0;
    int rc;
    while ((rc = pt_sql_step(db, st)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *runs = pt_xrealloc(*runs, cap * sizeof **runs);
        }
        run_from_row(st, &(*runs)[(*n)++]);
    }
    sqlite3_finalize(st);
    if (rc == 0)
        rc = runs_source(db, *runs, *n);
    if (rc < 0) {
        pt_runs_free(*runs, *n);
        *runs = NULL;
        *n = 0;
        return PT_EXIT_DATA;
    }
    return 0;
}

void pt_run_clear(pt_run *r)
{
    if (!r)
        return;
    free(r->label);
    free(r->command);
    free(r->executable);
    free(r->host);
    free(r->clock);
    free(r->pscope_version);
    free(r->source);
    memset(r, 0, sizeof *r);
}

void pt_runs_free(pt_run *runs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pt_run_clear(&runs[i]);
    free(runs);
}

static void run_copy(pt_run *dst, const pt_run *src)
{
    *dst = *src;
    dst->label = pt_xstrdup(src->label);
    dst->command = pt_xstrdup(src->command);
    dst->executable = pt_xstrdup(src->executable);
    dst->host = pt_xstrdup(src->host);
    dst->clock = pt_xstrdup(src->clock);
    dst->pscope_version = pt_xstrdup(src->pscope_version);
    dst->source = pt_xstrdup(src->source);
}

static void warn_incomplete(const pt_db *db, const pt_run *r)
{
    pt_warn("%s: run %lld is incomplete (the program did not finish normally); its figures "
            "are as of its last commit", db->path, (long long)r->id);
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* "1, 2, 3" (at most 10 ids, then "..."), for messages. */
static void id_list(const pt_run *runs, size_t n, int only_incomplete, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (only_incomplete && runs[i].complete)
            continue;
        size_t len = strlen(buf);
        if (shown == 10) {
            snprintf(buf + len, size - len, ", ...");
            return;
        }
        snprintf(buf + len, size - len, "%s%lld", shown ? ", " : "", (long long)runs[i].id);
        shown++;
    }
}

/* Indexes of the runs matching spec (id first, then label) into idx; returns count. */
static size_t match_spec(const pt_run *runs, size_t n, const char *spec, size_t *idx)
{
    size_t m = 0;
    if (all_digits(spec)) {
        errno = 0;
        long long id = strtoll(spec, NULL, 10);
        if (errno == 0)
            for (size_t i = 0; i < n; i++)
                if (runs[i].id == id) {
                    idx[m++] = i;
                    return m;
                }
    }
    for (size_t i = 0; i < n; i++)
        if (runs[i].label && strcmp(runs[i].label, spec) == 0)
            idx[m++] = i;
    return m;
}

/* Select among runs[idx[0..m)] the latest complete one, else the latest; warn if
 * incomplete. */
static size_t pick_latest(pt_db *db, const pt_run *runs, const size_t *idx, size_t m)
{
    for (size_t j = m; j-- > 0;)
        if (runs[idx[j]].complete)
            return idx[j];
    warn_incomplete(db, &runs[idx[m - 1]]);
    return idx[m - 1];
}

/* The default run among runs[0..n) (ascending id): the latest complete run with calls;
 * when no complete run has calls (stage-only programs), the latest complete run; n when
 * no run is complete. A run without calls is what an exec'd program without
 * instrumentation leaves: it must not hide the run the user means. */
static size_t default_run(const pt_run *runs, size_t n)
{
    size_t with_calls = n, complete = n;
    for (size_t i = 0; i < n; i++) {
        if (!runs[i].complete)
            continue;
        complete = i;
        if (runs[i].calls_seen > 0)
            with_calls = i;
    }
    return with_calls < n ? with_calls : complete;
}

/* One warning line naming the runs newer than runs[pick] that the default skipped: those
 * without calls and the incomplete ones (ids listed up to 10 per kind). Nothing when none. */
static void note_skipped(const pt_db *db, const pt_run *runs, size_t n, size_t pick)
{
    char groups[2][160];
    size_t count[2] = {0, 0};
    static const char *const what[2] = {"without calls", "incomplete"};
    for (int g = 0; g < 2; g++) {
        groups[g][0] = '\0';
        for (size_t i = pick + 1; i < n; i++) {
            if ((g == 1) != !runs[i].complete)
                continue;
            size_t len = strlen(groups[g]);
            if (count[g] < 10)
                snprintf(groups[g] + len, sizeof groups[g] - len, "%s%lld", count[g] ? ", " : "",
                         (long long)runs[i].id);
            else if (count[g] == 10)
                snprintf(groups[g] + len, sizeof groups[g] - len, ", ...");
            count[g]++;
        }
    }
    if (!count[0] && !count[1])
        return;
    char list[400];
    size_t len = 0;
    list[0] = '\0';
    for (int g = 0; g < 2; g++)
        if (count[g])
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s (%zu %s)", len ? "; " : "",
                                    groups[g], count[g], what[g]);
    pt_warn("%s: using run %lld, the latest complete run%s; skipped newer runs: %s", db->path,
            (long long)runs[pick].id, runs[pick].calls_seen > 0 ? " with calls" : "", list);
}

static int resolve(pt_db *db, const char *spec, int all, pt_run **out, size_t *nout)
{
    pt_run *runs = NULL;
    size_t n = 0;
    *out = NULL;
    *nout = 0;
    int rc = pt_runs_list(db, &runs, &n);
    if (rc)
        return rc;
    if (n == 0) {
        pt_error("%s: no runs recorded (the database has no run yet)", db->path);
        return PT_EXIT_DATA;
    }
    size_t *idx = pt_xcalloc(n, sizeof *idx);
    char ids[160];
    rc = 0;
    if (!spec || !*spec) {
        size_t pick = default_run(runs, n);
        if (pick < n) {
            idx[0] = pick;
            note_skipped(db, runs, n, pick);
        } else if (n == 1) {
            warn_incomplete(db, &runs[0]);
            idx[0] = 0;
        } else {
            id_list(runs, n, 1, ids, sizeof ids);
            pt_error("%s: no complete run and %zu incomplete ones (%s); choose one with --run",
                     db->path, n, ids);
            rc = PT_EXIT_DATA;
        }
        if (!rc) {
            *out = pt_xcalloc(1, sizeof **out);
            run_copy(*out, &runs[idx[0]]);
            *nout = 1;
        }
    } else {
        size_t m = match_spec(runs, n, spec, idx);
        if (m == 0) {
            id_list(runs, n, 0, ids, sizeof ids);
            pt_error("%s: no run with id or label '%s' (runs: %s; see --list-runs)", db->path,
                     spec, ids);
            rc = PT_EXIT_DATA;
        } else if (!all || m == 1) {
            size_t k = m == 1 ? idx[0] : pick_latest(db, runs, idx, m);
            if (m == 1 && !runs[k].complete)
                warn_incomplete(db, &runs[k]);
            *out = pt_xcalloc(1, sizeof **out);
            run_copy(*out, &runs[k]);
            *nout = 1;
        } else {
            *out = pt_xcalloc(m, sizeof **out);
            for (size_t j = 0; j < m; j++) {
                if (!runs[idx[j]].complete)
                    warn_incomplete(db, &runs[idx[j]]);
                run_copy(&(*out)[j], &runs[idx[j]]);
            }
            *nout = m;
        }
    }
    free(idx);
    pt_runs_free(runs, n);
    return rc;
}

int pt_run_resolve(pt_db *db, const char *spec, pt_run *out)
{
    memset(out, 0, sizeof *out);
    pt_run *r = NULL;
    size_t n = 0;
    int rc = resolve(db, spec, 0, &r, &n);
    if (rc)
        return rc;
    *out = r[0];
    free(r);
    return 0;
}

int pt_run_resolve_all(pt_db *db, const char *spec, pt_run **runs, size_t *n)
{
    return resolve(db, spec, 1, runs, n);
}

char *pt_run_describe(const pt_run *r, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    char wall[PT_DUR_BUFSZ];
    size_t len = 0;
#define APPEND(...)                                                                      \
    do {                                                                                 \
        if (len < size) {                                                                \
            int w_ = snprintf(buf + len, size - len, __VA_ARGS__);                       \
            if (w_ > 0)                                                                  \
                len += (size_t)w_;                                                       \
        }                                                                                \
    } while (0)
    APPEND("run %lld", (long long)r->id);
    if (r->label)
        APPEND(" \"%s\"", r->label);
    if (r->command)
        APPEND(" · %s", r->command);
    if (!isnan(r->scale))
        APPEND(" · scale %g", r->scale);
    APPEND(" · wall %s", pt_fmt_dur((double)r->dur, wall, sizeof wall));
    /* Rows are the first max_calls calls (docs/collector.md), never a random sample. */
    APPEND(" · %lld calls seen, %lld stored%s", (long long)r->calls_seen, (long long)r->calls_stored,
           r->calls_stored >= r->calls_seen ? ""
           : r->rows_dropped           ? " (partial: rows dropped)"
                                       : " (first calls only)");
    if (r->events_lost)
        APPEND(" · %lld events lost", (long long)r->events_lost);
    if (r->depth_overflow)
        APPEND(" · %lld calls beyond max depth", (long long)r->depth_overflow);
    APPEND(" · %s", r->complete ? "complete" : "INCOMPLETE");
    if (r->source)
        APPEND(" · imported from %s", r->source);
#undef APPEND
    return buf;
}

static cJSON *json_text(const char *s)
{
    if (!s)
        return cJSON_CreateNull();
    char *clean = pt__utf8_sanitize(s);
    cJSON *j = cJSON_CreateString(clean);
    free(clean);
    return j;
}

cJSON *pt_run_json(const pt_run *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        pt_die(PT_EXIT_DATA, "out of memory");
    cJSON_AddItemToObject(o, "id", cJSON_CreateNumber((double)r->id));
    cJSON_AddItemToObject(o, "label", json_text(r->label));
    cJSON_AddItemToObject(o, "command", json_text(r->command));
    cJSON_AddItemToObject(o, "executable", json_text(r->executable));
    cJSON_AddItemToObject(o, "host", json_text(r->host));
    cJSON_AddItemToObject(o, "pid", cJSON_CreateNumber((double)r->pid));
    cJSON_AddItemToObject(o, "started_wall", cJSON_CreateNumber((double)r->started_wall));
    cJSON_AddItemToObject(o, "ended_wall", r->ended_wall ? cJSON_CreateNumber((double)r->ended_wall)
                                                         : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "wall_ns", cJSON_CreateNumber((double)r->dur));
    cJSON_AddItemToObject(o, "scale", isnan(r->scale) ? cJSON_CreateNull()
                                                      : cJSON_CreateNumber(r->scale));
    cJSON_AddItemToObject(o, "clock", json_text(r->clock));
    cJSON_AddItemToObject(o, "pscope_version", json_text(r->pscope_version));
    cJSON_AddItemToObject(o, "calls_seen", cJSON_CreateNumber((double)r->calls_seen));
    cJSON_AddItemToObject(o, "calls_stored", cJSON_CreateNumber((double)r->calls_stored));
    cJSON_AddItemToObject(o, "rows_dropped", cJSON_CreateNumber((double)r->rows_dropped));
    cJSON_AddItemToObject(o, "events_lost", cJSON_CreateNumber((double)r->events_lost));
    cJSON_AddItemToObject(o, "depth_overflow", cJSON_CreateNumber((double)r->depth_overflow));
    cJSON_AddItemToObject(o, "unmatched_exits", cJSON_CreateNumber((double)r->unmatched_exits));
    cJSON_AddItemToObject(o, "max_depth_seen", cJSON_CreateNumber((double)r->max_depth_seen));
    cJSON_AddItemToObject(o, "complete", cJSON_CreateBool(r->complete));
    cJSON_AddItemToObject(o, "sampled", cJSON_CreateBool(r->calls_stored < r->calls_seen));
    cJSON_AddItemToObject(o, "source", json_text(r->source ? r->source : "pscope"));
    return o;
}

void pt_spec_split(const char *spec, char **db_path, char **run)
{
    *run = NULL;
    struct stat st;
    const char *colon = strrchr(spec, ':');
    if (stat(spec, &st) == 0 || !colon || colon == spec || colon[1] == '\0') {
        *db_path = pt_xstrdup(spec);
        return;
    }
    size_t len = (size_t)(colon - spec);
    *db_path = pt_xmalloc(len + 1);
    memcpy(*db_path, spec, len);
    (*db_path)[len] = '\0';
    *run = pt_xstrdup(colon + 1);
}

char *pt_default_db(void)
{
    const char *env = getenv("PSCOPE_OUTPUT");
    if (env && *env)
        return pt_xstrdup(env);
    char *cfg_path = psc_config_find();
    if (cfg_path) {
        psc_config cfg;
        char err[512];
        char *out = NULL;
        psc_config_defaults(&cfg);
        if (psc_config_load_file(&cfg, cfg_path, NULL, err, sizeof err) != 0)
            pt_warn("%s (ignored)", err);
        else if (cfg.output)
            out = pt_xstrdup(cfg.output);
        psc_config_free(&cfg);
        free(cfg_path);
        if (out)
            return out;
    }
    return pt_xstrdup("pscope.db");
}
