/* tools/lib/diff_internal.h: declarations shared by the files of pscope-diff's analysis
 * (diff_load.c, diff_core.c, diff_robust.c) that are not part of diff_core.h. */
#ifndef PSCOPE_DIFF_INTERNAL_H
#define PSCOPE_DIFF_INTERNAL_H

#include "diff_core.h"

/* Order of function keys: name, then module, byte order (strcmp). */
int diff__cmp_key(const char *an, const char *am, const char *bn, const char *bm);

/* qsort comparator of doubles, ascending. */
int diff__cmp_double(const void *a, const void *b);

/* Median of the non-NaN values among v[0..n) (reordered in place); NAN if none. */
double diff__median(double *v, size_t n);

/* Smallest two-sided p the exact Mann-Whitney test can give for sizes n1, n2 (no ties):
 * 2 / C(n1 + n2, n1), capped at 1; 0 above the exact test's pooled size. */
double diff__min_exact_p(size_t n1, size_t n2);

/* (c - b) / b; +/-INFINITY from b = 0 (0 when both are 0); NAN if either is NAN. */
double diff__rel_delta(double b, double c);

/* Share of run time of f in run r under the options' basis (cfg: the result being built,
 * whose opts and mopts are set): self time (metric self) or
 * inclusive time (other metrics) over the busiest thread's own time, or over all threads'
 * time (basis all, or a run without thread_stat). 0 without the function. */
double diff__share(const diff_run *r, const diff_func *f, const diff_result *cfg);

/* The robust method's per-function part of diff_compare: fills row (whose name, module,
 * base and cur sides are set; cfg is the result being built, with opts, mopts and
 * per_call set) and returns its p-value for the Benjamini-Hochberg family,
 * or NAN when it does not join the family (below the floor, untestable). */
double diff__robust_row(const diff_run *base, size_t nb, const diff_run *cur, size_t nc,
                        const diff_result *cfg, diff_row *row);

/* The robust method's verdict of a row once its adjusted p (row->q) is known. */
void diff__robust_decide(diff_row *row, const diff_result *cfg);

/* Human title of a metric ("self time (exclusive)") and of the robust method's per-run
 * location ("10% trimmed mean of per-call self time"); static strings. */
const char *diff__metric_title(diff_metric m);
const char *diff__location_title(const diff_opts *o, const diff_method_opts *m);

/* The notes that end a report (diff_notes.c): test basis, warnings, runs needed, verdict
 * rule. */
void diff__report_notes(pt_out *o, const diff_result *r);

#endif
