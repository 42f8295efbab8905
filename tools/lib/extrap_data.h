/* tools/lib/extrap_data.h: the data layer of pscope-extrapolate — runs at several scales
 * and, per function, its calls, self time and inclusive time in every run.
 *
 * ex_data_load resolves run specs as pscope-diff does, except that a bare DB means every
 * run of that database: `DB` (all runs), `DB:RUN` (one run id), `DB:LABEL` (every run with
 * that label). Incomplete runs and runs without a scale are left out and listed in
 * `skipped` with the reason; a run named twice is read once. Functions are matched across
 * runs by name + module basename (sql/extrap_function.sql); a function absent from a run
 * has 0 calls and 0 time there (it was not called at that scale).
 *
 * Ownership: ex_data_load fills an ex_data the caller releases with ex_data_free.
 */
#ifndef PSCOPE_EXTRAP_DATA_H
#define PSCOPE_EXTRAP_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "ptool.h"

typedef struct ex_run {
    pt_run info;         /* header from the shared run resolution (owned); info.scale > 0 */
    char *source;        /* "DB:ID" (owned) */
    double wall;         /* run duration, ns */
    double thread_time;  /* sum of every function's self time, ns */
    double calls;        /* sum of every function's calls */
} ex_run;

typedef struct ex_func {
    char *name, *module, *file; /* module basename ("" unknown), file NULL unknown (owned) */
    int64_t line;
    double *calls, *self, *total; /* [nrun] each; 0 where the function was not seen */
} ex_func;

typedef struct ex_data {
    ex_run *run;         /* ascending scale, then source */
    size_t nrun;
    ex_func *func;       /* sorted by (name, module), byte order */
    size_t nfunc;
    char **skipped;      /* "DB:ID (label): reason" of every run left out (owned) */
    size_t nskipped;
} ex_data;

/* Load the runs named by specs[0..nspecs) into *out. Returns 0, or a PT_EXIT_* code after
 * a message (database problems, run not found: PT_EXIT_DATA). Having no usable run is
 * not an error here (out->nrun == 0): the caller says why with the skipped list. */
int ex_data_load(const char *const *specs, size_t nspecs, ex_data *out);

/* Release what ex_data_load allocated; *d is zeroed. NULL-safe. */
void ex_data_free(ex_data *d);

/* The production problem size from the `expected_size` key of the .pscope.yaml found by
 * walking up from the working directory (common/config.c). Returns 1 and sets *n when
 * set; 0 when there is no file or no such key. A file that does not parse (a bad
 * expected_size included) is reported with a warning and treated as absent. */
int ex_config_expected_size(double *n);

/* Parse a time budget: a number with a unit ns, us, µs, ms, s, m, h (e.g. "30s",
 * "250ms", "1.5h"), or a bare number of seconds. Returns 0 and sets *ns, or -1. */
int ex_parse_time(const char *s, double *ns);

#endif /* PSCOPE_EXTRAP_DATA_H */
