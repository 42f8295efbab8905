/* tools/lib/extrap_report.h: rendering of a pscope-extrapolate result into a pt_out
 * document (table/csv/json/md) and the charts of --plot. docs/extrapolate.md documents
 * every table and column.
 *
 * Tables, in order: "run" (the run wall time's model and projection), "projection" (one
 * row per shown function), "amdahl" (time metrics: rankings by share at the target and
 * now, with the best possible overall speedup 1/(1-p)), "crossovers" (functions that
 * climb in the ranking, with the n where they overtake today's top function), "scales"
 * (the measured scales with their repetitions and wall-time spread) and "checks" (the
 * --expect/--budget outcomes, failures marked). Header lines and notes carry the target,
 * the extrapolation factor, the fit confidence, skipped runs and the one-line summary;
 * JSON carries them as members "target", "factor", "metric", "fit", "scales", "runs",
 * "skipped", "summary".
 */
#ifndef PSCOPE_EXTRAP_REPORT_H
#define PSCOPE_EXTRAP_REPORT_H

#include "extrap_core.h"
#include "ptool.h"

/* Render res (computed from d) into o. `top` limits the function rows of each table (0:
 * all). Returns 0, or PT_EXIT_USAGE on a write error (from pt_out_table). */
int ex_report(pt_out *o, const ex_data *d, const ex_result *res, size_t top);

/* The one plain-language line (caller frees), e.g. "at n=1,000,000 compute_features grows
 * to 91.2% of run time (O(n)), from 35.0% at n=16,000: optimise it first". NULL when there
 * is no function row. */
char *ex_summary(const ex_result *res);

/* Draw log-log charts of the top `top` rows (0: 8) with gnuplot: measured means with their
 * min-max spread, the fitted curve, the interval band from the largest scale to the
 * target, the target marked. `path` ending in ".svg" gets one chart with every function;
 * otherwise `path` is a directory (created if missing) that gets one file per function,
 * "NN-<name>.svg" (name reduced to [A-Za-z0-9_.-]). Files are written atomically.
 * Returns 0, PT_EXIT_USAGE when a file cannot be written, or PT_EXIT_DATA when gnuplot is
 * missing or fails (the message says why; the caller decides whether that is fatal). */
int ex_plot(const ex_result *res, const char *path, size_t top);

#endif /* PSCOPE_EXTRAP_REPORT_H */
