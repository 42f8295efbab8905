/* tools/lib/diff_report.h: pscope-diff's output (table, md, csv, json, junit via ptool's
 * writers) and its exit-code policy (--fail-on).
 *
 * Document layout, in every human format: the summary line first ("2 regressions,
 * 1 improvement, 37 unchanged"), one header line per run of each side (label, command,
 * scale, date, completeness), the comparison settings; then the tables
 *   run        the whole-run line (wall time)
 *   functions  functions present on both sides, sorted (default: absolute time impact)
 *   new        functions only in the current side
 *   removed    functions only in the base side
 * then notes explaining the test and any verdict that could not be assessed. JSON carries
 * the same tables with every figure in ns plus members "base", "current", "options",
 * "summary"; JUnit has one test case per function above the noise floor (a regression is
 * a failure) and one for the wall time. docs/diff.md documents every field.
 */
#ifndef PSCOPE_DIFF_REPORT_H
#define PSCOPE_DIFF_REPORT_H

#include "diff_core.h"
#include "ptool.h"

typedef enum diff_fail_on {
    DIFF_FAIL_REGRESSION = 0, /* exit 1 on a regression (a function or the wall time) */
    DIFF_FAIL_ANY_CHANGE,     /* exit 1 on any regression, improvement, or new/removed
                                 function at or above the noise floor */
    DIFF_FAIL_NEVER           /* always exit 0 after a successful comparison */
} diff_fail_on;

/* Parse "regression", "any-change", "never". Returns 0, or -1 for anything else. */
int diff_fail_on_parse(const char *s, diff_fail_on *out);

/* Row orders for --sort. */
typedef enum diff_sort {
    DIFF_SORT_IMPACT = 0, /* |impact| descending (default) */
    DIFF_SORT_DELTA,      /* |delta| descending */
    DIFF_SORT_SHARE,      /* share descending */
    DIFF_SORT_P,          /* p ascending (untested last) */
    DIFF_SORT_NAME        /* name, then module */
} diff_sort;

/* Names of the sort keys, indexed by diff_sort, for pt_keys_parse. */
extern const char *const diff_sort_keys[5];

/* Reorder r->rows by `key`; ties are broken by name and module, so the order is total. */
void diff_sort_rows(diff_result *r, diff_sort key);

typedef struct diff_report_opts {
    diff_fail_on fail_on;
    size_t top;            /* show at most this many rows of the functions table; 0 = all */
} diff_report_opts;

/* Render the comparison into o (the caller opens and closes it). Returns 0 or the
 * pt_out_table error code. */
int diff_report(pt_out *o, const diff_result *r, const diff_run *base, size_t nbase,
                const diff_run *cur, size_t ncur, const diff_report_opts *ro);

/* 1 when --fail-on is triggered by r, else 0 (PT_EXIT_REGRESSION / PT_EXIT_OK). */
int diff_exit_code(const diff_result *r, diff_fail_on fail_on);

/* The summary line, e.g. "2 regressions, 1 improvement, 37 unchanged, 1 new" (counts
 * that are zero among new / removed / not assessed are left out). Caller frees. */
char *diff_summary_line(const diff_result *r);

#endif
