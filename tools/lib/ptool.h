/* tools/lib/ptool.h: the shared library of the pscope tools (libpscope_tools.a).
 *
 * Every tool (pscope-stats, pscope-diff, ...) is a thin main over this library:
 *
 *   pt_init("pscope-x")                    diagnostics carry the tool's name
 *   pt_db_open(path, &db)                  read-only open + validation (exit code 3 on bad data)
 *   pt_run_resolve(db, "--run" value, &r)  which run to read (default: latest complete run with calls)
 *   pt_sql_prepare(db, "stats_functions")  an embedded sql/<name>.sql, named parameters bound
 *   pt_filter_add / pt_filter_match        PCRE2 include/exclude on names
 *   pt_table_* + pt_out_*                  table/csv/json/md/junit writers, -o FILE atomic
 *
 * Conventions, shared by every function below:
 *  - Functions returning `int` return 0 on success or a PT_EXIT_* code on failure, and in
 *    that case have ALREADY printed one line on stderr ("tool: file: problem"), so a main can
 *    simply `return rc`/`pt_die(rc, NULL)`. Exceptions say so.
 *  - Strings handed in are copied when kept; strings handed out are owned by the object they
 *    come from unless the comment says "caller frees" (with free()).
 *  - Allocation failure is not recoverable in a tool: it prints "out of memory" and exits 3.
 *  - Nothing here prints to stdout; results only go through pt_out.
 *
 * Exit codes (every tool): 0 ok, 1 regression found (pscope-diff only), 2 usage error
 * (bad option or value, bad regex, output file that cannot be written), 3 bad or
 * unsupported data (not a pscope database, newer schema, no runs, run not found, damaged
 * file, data that cannot answer the request).
 */
#ifndef PSCOPE_PTOOL_H
#define PSCOPE_PTOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cJSON.h>
#include <sqlite3.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pt_exit {
    PT_EXIT_OK = 0,         /* success */
    PT_EXIT_REGRESSION = 1, /* pscope-diff: a significant regression was found */
    PT_EXIT_USAGE = 2,      /* bad command line, bad pattern, output not writable */
    PT_EXIT_DATA = 3        /* bad/unsupported database, unknown run, unanswerable request */
};

/* Highest database schema version (PRAGMA user_version) these tools understand: the
 * version of sql/schema.sql, generated at build time (build/gen/schema_version.h). */
#include "schema_version.h"
#define PT_SCHEMA_VERSION PSCOPE_SCHEMA_VERSION

#define PT_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ======================================================================================
 * Diagnostics
 * ==================================================================================== */

/* Set the program name used as the prefix of every diagnostic ("pscope-stats"). The
 * string must outlive the program (a literal or argv[0]); a path is reduced to its base
 * name. Call once at the start of main. */
void pt_init(const char *progname);

/* The name given to pt_init ("pscope" before it was called). */
const char *pt_progname(void);

/* Print "<prog>: warning: <message>\n" on stderr. */
void pt_warn(const char *fmt, ...) PT_PRINTF(1, 2);

/* Print "<prog>: <message>\n" on stderr. */
void pt_error(const char *fmt, ...) PT_PRINTF(1, 2);

/* Print "<prog>: <message>\n" (nothing when fmt is NULL), discard every pt_out still
 * open (their temporary files are removed, targets untouched) and exit with `code`. */
_Noreturn void pt_die(int code, const char *fmt, ...) PT_PRINTF(2, 3);

/* A usage error: "<prog>: <message>" and "Try '<prog> --help' for more information." on
 * stderr, outputs discarded, exit PT_EXIT_USAGE. */
_Noreturn void pt_die_usage(const char *fmt, ...) PT_PRINTF(1, 2);

/* malloc/calloc/realloc/strdup that never return NULL: on failure they print "out of
 * memory" and exit 3 (after discarding open outputs). pt_xstrdup(NULL) returns NULL. */
void *pt_xmalloc(size_t n);
void *pt_xcalloc(size_t n, size_t size);
void *pt_xrealloc(void *p, size_t n);
char *pt_xstrdup(const char *s);

/* printf into a fresh string; caller frees. Never NULL (dies on allocation failure). */
char *pt_xasprintf(const char *fmt, ...) PT_PRINTF(1, 2);

/* ======================================================================================
 * Command-line value parsing (messages name the option, exit code PT_EXIT_USAGE)
 * ==================================================================================== */

/* Parse a whole decimal integer `s` for option `opt` (e.g. "--top") within [lo, hi].
 * Returns 0 and sets *out, or prints "<opt>: expected an integer in lo..hi, got 's'" and
 * returns PT_EXIT_USAGE. */
int pt_parse_int(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out);

/* Same for a finite real number within [lo, hi]. */
int pt_parse_real(const char *opt, const char *s, double lo, double hi, double *out);

/* Output formats. PT_FMT_JUNIT is only offered by tools that pass allow_junit. */
typedef enum { PT_FMT_TABLE, PT_FMT_CSV, PT_FMT_JSON, PT_FMT_MD, PT_FMT_JUNIT } pt_format;

/* Parse a --format value ("table", "csv", "json", "md", and "junit" when allow_junit).
 * Returns 0, or PT_EXIT_USAGE with a message listing the accepted names. */
int pt_format_parse(const char *s, int allow_junit, pt_format *out);

/* Parse a comma-separated list of keys (e.g. a --sort value) against `keys[0..nkeys)`.
 * Each item may be any unambiguous prefix of a key (an exact match always wins, as in
 * pstats). Stores up to max_out key indexes in out[], their number in *n_out. Errors
 * (PT_EXIT_USAGE): empty item, unknown key, ambiguous prefix (message lists candidates),
 * more than max_out items. `opt` names the option in messages. */
int pt_keys_parse(const char *opt, const char *list, const char *const *keys, size_t nkeys,
                  int *out, size_t max_out, size_t *n_out);

/* ======================================================================================
 * Database
 * ==================================================================================== */

typedef struct pt_db {
    sqlite3 *sql;       /* read-only connection; pscope SQL functions registered on it */
    char *path;         /* the path as given to pt_db_open (for messages) */
    int schema_version; /* PRAGMA user_version, 1..PT_SCHEMA_VERSION */
} pt_db;

/* Open the pscope database `path` read-only and validate it. On success *out is a new
 * handle (close with pt_db_close) and 0 is returned. Otherwise one line names the file and
 * the problem and PT_EXIT_DATA is returned: missing/unreadable file, empty file, not an
 * SQLite database, damaged database, not a pscope database (no pscope tables), schema
 * version newer than PT_SCHEMA_VERSION. The connection has a busy timeout so a database
 * being written by a running collector can be read. */
int pt_db_open(const char *path, pt_db **out);

/* Close and free; NULL is a no-op. Finalize statements first. */
void pt_db_close(pt_db *db);

/* Register pscope's SQL functions on any connection: percentile(x, p) (type 7, p in
 * 0..100, as SQLite's percentile extension), median(x), hist_percentile(bucket, count, p)
 * (histogram percentile with the ≤1% bucket rule of common/hist.h), amdahl(p[, k]) and
 * pscope_dur(ns) (human duration text). Returns an SQLite result code. pt_db_open does
 * this already. */
int pt_sql_register(sqlite3 *db);

/* Prepare the single statement of the embedded file sql/<name>.sql. Returns the statement
 * (finalize with sqlite3_finalize), or NULL after printing "<db>: query <name>: <error>"
 * (unknown name, syntax error against this database, more than one statement). */
sqlite3_stmt *pt_sql_prepare(pt_db *db, const char *name);

/* Bind a value to the named parameter `param` (":run_id") of `st`. Returns 0 when bound,
 * 1 when the statement has no such parameter (not an error: callers may bind a common
 * set), -1 on an SQLite error. Text is copied. */
int pt_sql_bind_int(sqlite3_stmt *st, const char *param, int64_t v);
int pt_sql_bind_real(sqlite3_stmt *st, const char *param, double v);
int pt_sql_bind_text(sqlite3_stmt *st, const char *param, const char *v); /* NULL binds NULL */

/* Step `st`: returns 1 for a row, 0 when done, or -1 after printing
 * "<db>: query failed: <sqlite message>" (e.g. a damaged file). */
int pt_sql_step(pt_db *db, sqlite3_stmt *st);

/* Column helpers: NULL becomes NAN / NULL; pt_sql_col_text returns SQLite's buffer (valid
 * until the next step), pt_sql_col_strdup a copy (caller frees). */
double pt_sql_col_real(sqlite3_stmt *st, int col);
const char *pt_sql_col_text(sqlite3_stmt *st, int col);
char *pt_sql_col_strdup(sqlite3_stmt *st, int col);

/* ======================================================================================
 * Runs
 * ==================================================================================== */

typedef struct pt_run {
    int64_t id;
    int64_t parent_run_id;  /* 0 when none */
    char *label;            /* NULL when none */
    char *command;          /* NULL when unknown */
    char *executable;       /* NULL when unknown */
    char *host;             /* NULL when unknown */
    char *clock;            /* "tsc" or "monotonic" */
    char *pscope_version;
    int64_t pid;
    int64_t started_wall;   /* ns since the epoch */
    int64_t ended_wall;     /* ns since the epoch; 0 when the run did not end */
    int64_t dur;            /* run duration, ns */
    double scale;           /* problem size n; NAN when unknown */
    int64_t calls_seen, calls_stored, rows_dropped, events_lost;
    int64_t depth_overflow, unmatched_exits, max_depth_seen;
    int complete;           /* 1 when the run ended normally */
    char *source;           /* run.source when not 'pscope' ("uftrace", "chrome", "cprofile":
                             * imported by pscope-import); NULL for collector runs */
} pt_run;

/* All runs of the database, ascending id, into a new array (free with pt_runs_free).
 * *n may be 0. Returns 0 or PT_EXIT_DATA. */
int pt_runs_list(pt_db *db, pt_run **runs, size_t *n);

/* Free an array from pt_runs_list/pt_run_resolve_all. */
void pt_runs_free(pt_run *runs, size_t n);

/* Free the strings of one run and zero it. */
void pt_run_clear(pt_run *r);

/* Resolve a run: `spec` NULL or "" selects the latest complete run with calls (the
 * latest complete run when none has calls) and, when newer runs were passed over (no
 * calls, or incomplete), says which in one warning line; when no run is complete, the
 * only run (incomplete) is used with a warning, and several incomplete runs are refused. Otherwise `spec` is a run id (all digits) or a label; a label shared
 * by several runs selects the latest complete one of them. Selecting an incomplete run
 * prints a warning. Errors (PT_EXIT_DATA): no runs in the database, no run with that id
 * or label (the message names it), several incomplete runs and none complete. On success
 * *out is filled (clear with pt_run_clear). */
int pt_run_resolve(pt_db *db, const char *spec, pt_run *out);

/* Every run matching `spec` (an id: that run; a label: every run with that label,
 * ascending id; NULL/"": as pt_run_resolve, one run) into a new array (free with
 * pt_runs_free). For tools that compare several runs per side. Same errors. */
int pt_run_resolve_all(pt_db *db, const char *spec, pt_run **runs, size_t *n);

/* One-line human description of a run into buf (always NUL-terminated, truncated to
 * size): `run 3 "label" · ./prog 32 · scale 32 · wall 1.23 s · 7049155 calls seen,
 * 7049155 stored · complete`, plus ` · imported from uftrace` for an imported run.
 * Returns buf. */
char *pt_run_describe(const pt_run *r, char *buf, size_t size);

/* The run as a JSON object {id, label, command, executable, host, pid, started_wall,
 * ended_wall, wall_ns, scale, clock, pscope_version, calls_seen, calls_stored,
 * rows_dropped, events_lost, depth_overflow, unmatched_exits, max_depth_seen, complete
 * (bool), sampled (bool: calls_stored < calls_seen, i.e. rows exist for the first calls
 * only; the name is kept for compatibility, they are not a random sample), source
 * ("pscope" or the imported format)}; absent values are null. Caller owns it
 * (cJSON_Delete). Never NULL. */
cJSON *pt_run_json(const pt_run *r);

/* Split a "DB:RUN" spec. If `spec` names an existing file it is all path (no run);
 * otherwise the text after the last ':' is the run (id or label) when both parts are
 * non-empty; otherwise it is all path. *db_path (caller frees) is always set, *run
 * (caller frees) is NULL when there is no run part. Never fails. */
void pt_spec_split(const char *spec, char **db_path, char **run);

/* The database a tool reads when none is named: $PSCOPE_OUTPUT, else the `output` key of
 * the .pscope.yaml the collector would find (walking up from the working directory), else
 * "pscope.db" — the same place the collector writes to. Returns a malloc'd path (caller
 * frees). A config file that does not parse is ignored here with a warning (the
 * collector reports it in detail). */
char *pt_default_db(void);

/* ======================================================================================
 * Filters (PCRE2, UTF-8 with invalid sequences tolerated)
 * ==================================================================================== */

typedef struct pt_filter pt_filter;

/* Add an include (exclude = 0, --filter) or exclude (exclude = 1, --exclude) pattern to
 * *f (NULL on first use: a filter is allocated). A bad pattern prints
 * "<opt>: bad pattern 'p' at offset N: <reason>" and returns PT_EXIT_USAGE. */
int pt_filter_add(pt_filter **f, const char *opt, const char *pattern, int exclude);

/* 1 if a function passes the filter: no include pattern or some include pattern matches,
 * and no exclude pattern matches; each pattern is tried on `name` and on the pstats
 * location "file:line(name)" (see pt_func_location). A NULL filter passes everything. */
int pt_filter_match(const pt_filter *f, const char *name, const char *file, int64_t line);

/* Free; NULL is a no-op. */
void pt_filter_free(pt_filter *f);

/* The pstats-style location "file:line(name)" (caller frees); without a file it is
 * "~:0(name)" as pstats writes built-ins. */
char *pt_func_location(const char *name, const char *file, int64_t line);

/* Human label "name (file:line)", or just "name" without a file (caller frees). The
 * file is shown as given (paths are not shortened). */
char *pt_func_label(const char *name, const char *file, int64_t line);

/* ======================================================================================
 * Numbers
 * ==================================================================================== */

#define PT_DUR_BUFSZ 32

/* Format a duration in ns with an automatic unit: integral values below 1 µs as "417 ns",
 * otherwise 3 significant digits in ns, µs, ms or s ("12.5 ns", "1.23 µs", "45.6 ms",
 * "2.00 s", "1234 s"); NAN as "-". Writes into buf (size >= PT_DUR_BUFSZ); returns buf. */
char *pt_fmt_dur(double ns, char *buf, size_t size);

#define PT_BYTES_BUFSZ 32

/* Format a byte count: below 1 KiB as "512 B", otherwise 3 significant digits in KiB,
 * MiB, GiB or TiB ("1.50 MiB"); negative values keep their sign; NAN as "-". Writes into
 * buf (size >= PT_BYTES_BUFSZ); returns buf. */
char *pt_fmt_bytes(double bytes, char *buf, size_t size);

/* Type-7 percentile (linear interpolation between order statistics, numpy's default) of
 * sorted[0..n), q in [0, 1] (clamped). NAN when n == 0. */
double pt_percentile7(const double *sorted, size_t n, double q);

/* The same type-7 percentile of unsorted v[0..n), in expected linear time (quickselect);
 * v is reordered. NAN when n == 0. Exactly equal to pt_percentile7 on the sorted values. */
double pt_percentile7_select(double *v, size_t n, double q);

/* Amdahl: overall speedup when a share p (0..1) of run time is removed entirely,
 * 1/(1-p) (INFINITY for p >= 1), and when it is made k times faster, 1/((1-p)+p/k). */
double pt_amdahl_max(double p);
double pt_amdahl(double p, double k);

/* ======================================================================================
 * Tables: a tool fills a pt_table, pt_out renders it in the chosen format.
 * ==================================================================================== */

typedef enum {
    PT_COL_TEXT,  /* string; machine: string */
    PT_COL_INT,   /* integer */
    PT_COL_REAL,  /* real; human: pt_table_set_decimals digits (default 3) */
    PT_COL_DUR,   /* duration in ns (real); human: pt_fmt_dur; machine: the ns number */
    PT_COL_SHARE, /* fraction 0..1; human: "12.34%"; machine: the fraction */
    PT_COL_RATIO, /* speedup factor; human: "1.0526×" (decimals, default 4); machine: number */
    PT_COL_BYTES  /* byte count; human: "512 B", "1.50 MiB" (binary units); machine: number */
} pt_coltype;

/* Column flags: where the column appears. A column hidden from human output typically
 * carries a machine form of a human-only column (ncalls "7/3" vs calls, primitive_calls). */
#define PT_COL_HUMAN 1u   /* table and md */
#define PT_COL_MACHINE 2u /* csv, json, junit */
#define PT_COL_BOTH 3u
#define PT_COL_KEY 4u     /* junit: the test case name comes from this column */
#define PT_COL_RIGHT 8u   /* human: right-align a TEXT column (numbers always are) */

/* Row marks: colour on a TTY (hot: yellow, bad: red, good: green); in JUnit, PT_MARK_BAD
 * rows are failures carrying the row's message. */
typedef enum { PT_MARK_NONE, PT_MARK_HOT, PT_MARK_BAD, PT_MARK_GOOD } pt_mark;

typedef struct pt_table pt_table;

/* New empty table; `name` is its key in JSON output and its suite name in JUnit (copied). */
pt_table *pt_table_new(const char *name);

/* Add a column: `key` is the machine name (CSV header, JSON member; stable, snake_case),
 * `title` the human header. Returns the column index (0, 1, ...). Add columns before rows. */
int pt_table_add_col(pt_table *t, const char *key, const char *title, pt_coltype type,
                     unsigned flags);

/* Digits after the point in human output of a REAL or RATIO column. */
void pt_table_set_decimals(pt_table *t, int col, int decimals);

/* Start a new row; its cells are null until set. */
void pt_table_add_row(pt_table *t);

/* Set a cell of the current row (the last pt_table_add_row). Text is copied; NULL text
 * and NAN reals are null cells (human "-", CSV empty, JSON null). */
void pt_table_set_text(pt_table *t, int col, const char *s);
void pt_table_set_int(pt_table *t, int col, int64_t v);
void pt_table_set_real(pt_table *t, int col, double v);

/* Mark the current row (message copied, may be NULL; used by JUnit failures). */
void pt_table_set_mark(pt_table *t, pt_mark mark, const char *message);

/* Number of rows / columns. */
size_t pt_table_rows(const pt_table *t);
int pt_table_cols(const pt_table *t);

/* Free; NULL is a no-op. */
void pt_table_free(pt_table *t);

/* ======================================================================================
 * Output documents (stdout or -o FILE written atomically)
 * ==================================================================================== */

typedef struct pt_out pt_out;

/* Open an output document in format `fmt` to `path` (NULL or "-": stdout). A file is
 * written to a temporary file in the same directory and renamed over `path` only by a
 * successful pt_out_close, so a failing tool leaves nothing half-written (temporaries
 * are also removed on pt_die and on SIGINT/SIGTERM/SIGHUP). Errors (PT_EXIT_USAGE):
 * directory missing or not writable. Colour is used only in table format, on stdout,
 * when stdout is a terminal and NO_COLOR is not set.
 *
 * What each format contains:
 *   table  header lines, then each table with aligned columns, then notes, in call order;
 *   md     the same as Markdown (GFM tables; | and newlines escaped);
 *   csv    only the tables (RFC 4180, header row first; several tables are separated by
 *          one empty line); header lines and notes are left out;
 *   json   one object written at close: {"tool", "version", meta members..., each table as
 *          "<name>": [ {key: value, ...}, ... ], "notes": [ ... ]};
 *   junit  <testsuites>, one <testsuite> per table, one <testcase> per row named by its
 *          PT_COL_KEY column, PT_MARK_BAD rows failing; notes in <system-out>. */
int pt_out_open(const char *path, pt_format fmt, pt_out **out);

/* The document's format. */
pt_format pt_out_format(const pt_out *o);

/* Non-zero when this output uses ANSI colour. */
int pt_out_color(const pt_out *o);

/* A human header line (table, md; ignored by csv/json/junit which carry meta instead). */
void pt_out_header(pt_out *o, const char *fmt, ...) PT_PRINTF(2, 3);

/* A note: human text after/between tables (table, md), a "notes" string in JSON, JUnit
 * <system-out>; csv leaves it out. */
void pt_out_note(pt_out *o, const char *fmt, ...) PT_PRINTF(2, 3);

/* A top-level JSON member (JSON only; ignored, and freed, in other formats). Takes
 * ownership of `item`. Keys "tool", "version" and "notes" are reserved. */
void pt_out_meta(pt_out *o, const char *key, cJSON *item);

/* Render table `t` into the document (the table stays owned by the caller). Returns 0
 * or PT_EXIT_USAGE on a write error. */
int pt_out_table(pt_out *o, const pt_table *t);

/* The document's underlying stream, for tools that write a file format of their own
 * (pscope-export) while keeping the atomic -o FILE: open with PT_FMT_CSV, write only
 * through this stream (no tables), then pt_out_close or pt_out_abort as usual. */
FILE *pt_out_stream(pt_out *o);
/* Write `len` bytes of a document made elsewhere (an HTML report) verbatim into o, which
 * must have been opened in table format and given nothing else. A write error surfaces
 * at pt_out_close. */
void pt_out_raw(pt_out *o, const char *data, size_t len);

/* Finish the document: JSON/JUnit are written now; a file is flushed, synced and renamed
 * over its target. Frees `o`. Returns 0, or PT_EXIT_USAGE after a message if anything
 * could not be written (the temporary file is removed, the target untouched). */
int pt_out_close(pt_out *o);

/* Discard the document: the temporary file is removed, the target untouched; stdout
 * output already written stays. Frees `o`; NULL is a no-op. */
void pt_out_abort(pt_out *o);

/* Version string reported by --version of every tool. */
const char *pt_version(void);

#ifdef __cplusplus
}
#endif
#endif /* PSCOPE_PTOOL_H */
