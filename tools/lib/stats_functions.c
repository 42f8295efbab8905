/* tools/lib/stats_functions.c: pscope-stats' function views — the pstats-like function
 * table, the Amdahl hotspot ranking with its one-sentence verdict, and the callers /
 * callees of one function — plus the helpers every view shares (run header, emit, --top).
 * Data from the data layer (rundata.h); contracts in stats_view.h. */
#include "stats_view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Contract in stats_view.h. */
void stats_check(int rc)
{
    if (rc)
        pt_die(rc, NULL);
}

/* Contract in stats_view.h. */
void stats_emit(stats_ctx *c, pt_table *t)
{
    int rc = pt_out_table(c->out, t);
    pt_table_free(t);
    if (rc)
        pt_die(rc, NULL);
}

/* Contract in stats_view.h. */
void stats_run_header(stats_ctx *c)
{
    char line[1024];
    pt_run_describe(&c->run, line, sizeof line);
    pt_out_header(c->out, "%s", line);
    pt_out_meta(c->out, "database", cJSON_CreateString(c->db_path));
    pt_out_meta(c->out, "run", pt_run_json(&c->run));
}

/* Contract in stats_view.h. */
int64_t stats_row_limit(const stats_opts *o, int64_t dflt)
{
    if (o->top < 0)
        return dflt;
    return o->top == 0 ? INT64_MAX : o->top;
}

/* Apply --filter/--exclude and --min-share (on self share); compacts rows in place. */
static size_t select_functions(const stats_opts *o, pt_fnrow *rows, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int keep = pt_filter_match(o->filter, rows[i].name, rows[i].file, rows[i].line);
        if (keep && !isnan(o->min_share))
            keep = !isnan(rows[i].self_share) && rows[i].self_share >= o->min_share - 1e-12;
        if (keep) {
            rows[m++] = rows[i];
        } else {
            pt_fnrow_clear(&rows[i], 1);
        }
    }
    return m;
}

/* Contract in stats_view.h. */
pt_table *stats_functions_table(const pt_fnrow *rows, size_t n, const stats_honest *honest)
{
    pt_table *t = pt_table_new("functions");
    int c_ncalls = pt_table_add_col(t, "ncalls", "ncalls", PT_COL_TEXT,
                                    PT_COL_HUMAN | PT_COL_RIGHT);
    int c_id = pt_table_add_col(t, "function_id", "id", PT_COL_INT, PT_COL_MACHINE);
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    int c_file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    int c_line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    int c_module = pt_table_add_col(t, "module", "module", PT_COL_TEXT, PT_COL_MACHINE);
    int c_calls = pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_MACHINE);
    int c_prim = pt_table_add_col(t, "primitive_calls", "primitive", PT_COL_INT, PT_COL_MACHINE);
    int c_self = pt_table_add_col(t, "self_dur", "self", PT_COL_DUR, PT_COL_BOTH);
    int c_spc = pt_table_add_col(t, "self_per_call", "self/call", PT_COL_DUR, PT_COL_BOTH);
    int c_total = pt_table_add_col(t, "total_dur", "total", PT_COL_DUR, PT_COL_BOTH);
    int c_tpc = pt_table_add_col(t, "total_per_call", "total/call", PT_COL_DUR, PT_COL_BOTH);
    int c_mean = pt_table_add_col(t, "mean_dur", "mean", PT_COL_DUR, PT_COL_MACHINE);
    int c_min = pt_table_add_col(t, "min_dur", "min", PT_COL_DUR, PT_COL_MACHINE);
    int c_p50 = pt_table_add_col(t, "p50", "p50", PT_COL_DUR, PT_COL_BOTH);
    int c_p95 = pt_table_add_col(t, "p95", "p95", PT_COL_DUR, PT_COL_BOTH);
    int c_p99 = pt_table_add_col(t, "p99", "p99", PT_COL_DUR, PT_COL_BOTH);
    int c_max = pt_table_add_col(t, "max_dur", "max", PT_COL_DUR, PT_COL_BOTH);
    int c_share = pt_table_add_col(t, "self_share", "%run", PT_COL_SHARE, PT_COL_BOTH);
    int c_tshare = pt_table_add_col(t, "total_share", "%total", PT_COL_SHARE, PT_COL_MACHINE);
    /* honest-time columns only where the run has their data (docs/stats.md) */
    int has_cpu = honest && stats_honest_has_cpu(honest);
    int comp = honest && stats_honest_compensated(honest);
    int c_oncpu = -1, c_oncpu_dur = -1, c_samples = -1, c_self_raw = -1, c_total_raw = -1;
    if (has_cpu) {
        c_oncpu = pt_table_add_col(t, "oncpu_share", "on-CPU", PT_COL_SHARE, PT_COL_BOTH);
        c_oncpu_dur = pt_table_add_col(t, "oncpu_dur", "on-CPU time", PT_COL_DUR, PT_COL_MACHINE);
        c_samples = pt_table_add_col(t, "cpu_samples", "samples", PT_COL_INT, PT_COL_MACHINE);
    }
    if (comp) {
        c_self_raw = pt_table_add_col(t, "self_raw_dur", "self raw", PT_COL_DUR, PT_COL_MACHINE);
        c_total_raw = pt_table_add_col(t, "total_raw_dur", "total raw", PT_COL_DUR, PT_COL_MACHINE);
    }
    int c_label = pt_table_add_col(t, "function", "function (file:line)", PT_COL_TEXT, PT_COL_HUMAN);
    for (size_t i = 0; i < n; i++) {
        const pt_fnrow *r = &rows[i];
        pt_table_add_row(t);
        char ncalls[64];
        if (r->calls != r->primitive_calls)
            snprintf(ncalls, sizeof ncalls, "%lld/%lld", (long long)r->calls,
                     (long long)r->primitive_calls);
        else
            snprintf(ncalls, sizeof ncalls, "%lld", (long long)r->calls);
        pt_table_set_text(t, c_ncalls, ncalls);
        pt_table_set_int(t, c_id, r->id);
        pt_table_set_text(t, c_name, r->name);
        pt_table_set_text(t, c_file, r->file);
        if (r->file)
            pt_table_set_int(t, c_line, r->line);
        pt_table_set_text(t, c_module, r->module);
        pt_table_set_int(t, c_calls, r->calls);
        pt_table_set_int(t, c_prim, r->primitive_calls);
        pt_table_set_real(t, c_self, r->self);
        pt_table_set_real(t, c_spc, r->self_per_call);
        pt_table_set_real(t, c_total, r->total);
        pt_table_set_real(t, c_tpc, r->total_per_call);
        pt_table_set_real(t, c_mean, r->mean);
        pt_table_set_real(t, c_min, r->min);
        pt_table_set_real(t, c_p50, r->p50);
        pt_table_set_real(t, c_p95, r->p95);
        pt_table_set_real(t, c_p99, r->p99);
        pt_table_set_real(t, c_max, r->max);
        pt_table_set_real(t, c_share, r->self_share);
        pt_table_set_real(t, c_tshare, r->total_share);
        if (has_cpu) {
            pt_table_set_real(t, c_oncpu, r->oncpu_share);
            pt_table_set_real(t, c_oncpu_dur, r->oncpu);
            pt_table_set_int(t, c_samples, r->cpu_samples);
        }
        if (comp) {
            pt_table_set_real(t, c_self_raw, r->self_raw);
            pt_table_set_real(t, c_total_raw, r->total_raw);
        }
        char *label = pt_func_label(r->name, r->file, r->line);
        pt_table_set_text(t, c_label, label);
        free(label);
        if (r->self_share >= 0.10)
            pt_table_set_mark(t, PT_MARK_HOT, NULL);
    }
    return t;
}

/* Contract in stats_view.h. */
int stats_view_table(stats_ctx *c)
{
    stats_opts *o = c->opt;
    double thread_time;
    size_t n;
    pt_fnrow *rows;
    stats_check(pt_functions_load(c->db, c->run.id, &rows, &n, &thread_time));
    if (n == 0) {
        free(rows);
        pt_die(PT_EXIT_DATA,
               "%s: run %lld has no function calls (was the program built with "
               "-finstrument-functions? for stage-only programs use --stages)",
               c->db_path, (long long)c->run.id);
    }
    int64_t all_calls = 0, all_primitive = 0;
    for (size_t i = 0; i < n; i++) {
        all_calls += rows[i].calls;
        all_primitive += rows[i].primitive_calls;
    }
    size_t total_functions = n;
    if (o->exact) {
        const pt_run *r = &c->run;
        if (r->calls_stored != r->calls_seen || r->rows_dropped > 0)
            pt_die(PT_EXIT_DATA,
                   "%s: --exact needs every call of the run, but run %lld stored %lld of %lld "
                   "calls (rows were sampled or dropped); use the histogram percentiles (without "
                   "--exact) or record again with max_calls: 0 (unlimited)",
                   c->db_path, (long long)r->id, (long long)r->calls_stored,
                   (long long)r->calls_seen);
        stats_check(pt_functions_exact(c->db, c->run.id, c->db_path, rows, n));
    }
    stats_honest *honest = stats_honest_functions(c, rows, n, &thread_time);
    n = select_functions(o, rows, n);
    if (o->nsort == 0) {
        o->sort[0] = PT_FK_SELF;
        o->nsort = 1;
    }
    pt_functions_sort(rows, n, o->sort, o->nsort);
    int64_t limit = stats_row_limit(o, INT64_MAX);
    size_t shown = n < (uint64_t)limit ? n : (size_t)limit;

    stats_run_header(c);
    char tt[PT_DUR_BUFSZ];
    char sortdesc[128] = "";
    for (size_t i = 0; i < o->nsort; i++) {
        strncat(sortdesc, i ? "," : "", sizeof sortdesc - strlen(sortdesc) - 1);
        strncat(sortdesc, pt_fn_sort_names[o->sort[i]], sizeof sortdesc - strlen(sortdesc) - 1);
    }
    const char *method = o->exact ? "exact (type 7 over stored calls)" : "histogram ≤1%";
    pt_out_header(c->out, "%lld calls (%lld primitive) in %zu functions · thread time %s · "
                  "percentiles: %s · sorted by %s",
                  (long long)all_calls, (long long)all_primitive, total_functions,
                  pt_fmt_dur(thread_time, tt, sizeof tt), method, sortdesc);
    if (shown < total_functions)
        pt_out_header(c->out, "showing %zu of %zu functions%s", shown, total_functions,
                      n < total_functions ? " (filtered)" : "");
    stats_honest_header(c, honest);
    pt_out_meta(c->out, "percentile_method", cJSON_CreateString(o->exact ? "exact" : "histogram"));
    pt_out_meta(c->out, "thread_time_ns", cJSON_CreateNumber(thread_time));
    pt_out_meta(c->out, "functions_total", cJSON_CreateNumber((double)total_functions));

    stats_emit(c, stats_functions_table(rows, shown, honest));
    if (n == 0)
        pt_out_note(c->out, "no function matches the filter");
    pt_functions_free(rows, n);
    stats_honest_free(honest);
    return 0;
}

/* ---- hotspots -------------------------------------------------------------------------- */

/* Contract in stats_view.h. */
/* Whether hotspot h passes o's filter and --min-share. */
static int hotspot_selected(const stats_opts *o, const pt_hotspot *h)
{
    return pt_filter_match(o->filter, h->name, h->file, h->line) &&
           (isnan(o->min_share) || h->share >= o->min_share - 1e-12);
}

/* Contract in stats_view.h. */
pt_table *stats_hotspots_table(const stats_opts *o, const pt_hotspot *hs, size_t nh, double k,
                               const stats_honest *honest, stats_hot_pick *pick)
{
    int has_cpu = honest && stats_honest_has_cpu(honest);
    pt_table *t = pt_table_new("hotspots");
    int c_rank = pt_table_add_col(t, "rank", "#", PT_COL_INT, PT_COL_BOTH);
    int c_id = pt_table_add_col(t, "function_id", "id", PT_COL_INT, PT_COL_MACHINE);
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    int c_file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    int c_line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    int c_share = pt_table_add_col(t, "share", "%run", PT_COL_SHARE, PT_COL_BOTH);
    int c_self = pt_table_add_col(t, "self_dur", "self", PT_COL_DUR, PT_COL_BOTH);
    int c_calls = pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_BOTH);
    int c_max = pt_table_add_col(t, "max_speedup", "if removed", PT_COL_RATIO, PT_COL_BOTH);
    char title[64];
    snprintf(title, sizeof title, "if %g× faster", k);
    int c_sk = pt_table_add_col(t, "speedup_k", title, PT_COL_RATIO, PT_COL_BOTH);
    int c_saved = pt_table_add_col(t, "saved_dur", "time saved", PT_COL_DUR, PT_COL_BOTH);
    int c_oncpu = -1, c_oncpu_dur = -1, c_samples = -1, c_blocked = -1;
    if (has_cpu) {
        c_oncpu = pt_table_add_col(t, "oncpu_share", "on-CPU", PT_COL_SHARE, PT_COL_BOTH);
        c_oncpu_dur = pt_table_add_col(t, "oncpu_dur", "on-CPU time", PT_COL_DUR, PT_COL_MACHINE);
        c_samples = pt_table_add_col(t, "cpu_samples", "samples", PT_COL_INT, PT_COL_MACHINE);
        c_blocked = pt_table_add_col(t, "blocked_share", "blocked", PT_COL_SHARE, PT_COL_MACHINE);
    }
    int c_label = pt_table_add_col(t, "function", "function (file:line)", PT_COL_TEXT, PT_COL_HUMAN);

    int64_t limit = stats_row_limit(o, 10);
    pick->shown = pick->matching = 0;
    pick->top = NULL;
    for (size_t i = 0; i < nh; i++) {
        const pt_hotspot *h = &hs[i];
        if (!hotspot_selected(o, h))
            continue;
        pick->matching++;
        if (pick->shown >= limit)
            continue;
        pick->shown++;
        if (!pick->top)
            pick->top = h;
        pt_table_add_row(t);
        pt_table_set_int(t, c_rank, pick->shown);
        pt_table_set_int(t, c_id, h->function_id);
        pt_table_set_text(t, c_name, h->name);
        pt_table_set_text(t, c_file, h->file);
        if (h->file)
            pt_table_set_int(t, c_line, h->line);
        pt_table_set_real(t, c_share, h->share);
        pt_table_set_real(t, c_self, h->self);
        pt_table_set_int(t, c_calls, h->calls);
        pt_table_set_real(t, c_max, h->max_speedup);
        pt_table_set_real(t, c_sk, h->speedup_k);
        pt_table_set_real(t, c_saved, h->saved);
        if (has_cpu) {
            pt_table_set_real(t, c_oncpu, h->oncpu_share);
            pt_table_set_real(t, c_oncpu_dur, h->oncpu);
            pt_table_set_int(t, c_samples, h->cpu_samples);
            pt_table_set_real(t, c_blocked, h->blocked_share);
        }
        char *label = pt_func_label(h->name, h->file, h->line);
        pt_table_set_text(t, c_label, label);
        free(label);
        if (h->share >= 0.10)
            pt_table_set_mark(t, PT_MARK_HOT, NULL);
    }
    return t;
}

/* Contract in stats_view.h. */
char *stats_amdahl_sentence(const pt_hotspot *top, double k, int oncpu_basis)
{
    char saved[PT_DUR_BUFSZ];
    pt_fmt_dur(top->saved, saved, sizeof saved);
    char *label = pt_func_label(top->name, top->file, top->line);
    char *s;
    double p = top->share;
    if (p >= 0.99) {
        s = pt_xasprintf("Top candidate: %s takes nearly all of the measured %s (%.1f%%): "
                         "making it %g× faster makes the whole run %.2f× faster (saves %s); the "
                         "overall speedup is bounded only by how much faster it can be made.",
                         label, oncpu_basis ? "on-CPU time" : "time", p * 100.0, k,
                         top->speedup_k, saved);
    } else {
        s = pt_xasprintf("Top candidate: %s, %.1f%% of %s. Making it %g× faster would "
                         "make the whole run %.2f× faster (saves %s, %.1f%% of the time); even "
                         "removing it entirely cannot make the run more than %.2f× faster.%s",
                         label, p * 100.0, oncpu_basis ? "on-CPU time" : "run time", k,
                         top->speedup_k, saved,
                         p * (1.0 - 1.0 / k) * 100.0, top->max_speedup,
                         p < 0.10 ? " No single function dominates: look at the algorithm and "
                                    "the callers (--tree) rather than tuning one function."
                                  : "");
    }
    free(label);
    return s;
}

/* Contract in stats_view.h. */
int stats_view_hotspots(stats_ctx *c)
{
    stats_opts *o = c->opt;
    double k = isnan(o->factor) ? 2.0 : o->factor;
    pt_hotspot *hs;
    size_t nh;
    double thread_time;
    stats_check(pt_hotspots_load(c->db, c->run.id, k, &hs, &nh, &thread_time));
    if (nh == 0) {
        pt_hotspots_free(hs, nh);
        pt_die(PT_EXIT_DATA, "%s: run %lld has no function calls to rank", c->db_path,
               (long long)c->run.id);
    }
    stats_honest *honest = stats_honest_hotspots(c, hs, nh, k, &thread_time);
    int oncpu_basis = stats_honest_oncpu_basis(honest);
    stats_hot_pick pick;
    pt_table *t = stats_hotspots_table(o, hs, nh, k, honest, &pick);
    stats_run_header(c);
    char tt[PT_DUR_BUFSZ];
    if (oncpu_basis)
        pt_out_header(c->out, "Amdahl ranking by time saved · p = on-CPU time / all functions' "
                      "on-CPU time %s · factor k = %g", pt_fmt_dur(thread_time, tt, sizeof tt), k);
    else
        pt_out_header(c->out, "Amdahl ranking by time saved · p = self time / thread time %s · "
                      "factor k = %g", pt_fmt_dur(thread_time, tt, sizeof tt), k);
    stats_honest_header(c, honest);
    if (pick.shown < pick.matching)
        pt_out_header(c->out, "showing the top %lld of %lld functions (--top 0 for all)",
                      (long long)pick.shown, (long long)pick.matching);
    pt_out_meta(c->out, "factor", cJSON_CreateNumber(k));
    pt_out_meta(c->out, "thread_time_ns", cJSON_CreateNumber(thread_time));
    stats_emit(c, t);
    int64_t noted = 0; /* a note per shown row that spent time blocked */
    for (size_t i = 0; i < nh && noted < pick.shown; i++) {
        if (hotspot_selected(o, &hs[i])) {
            stats_honest_blocked_note(c, &hs[i]);
            noted++;
        }
    }
    stats_honest_free(honest);
    if (!pick.top) {
        pt_out_note(c->out, "no function matches the filter");
    } else {
        char *sentence = stats_amdahl_sentence(pick.top, k, oncpu_basis);
        pt_out_note(c->out, "%s", sentence);
        free(sentence);
    }
    pt_hotspots_free(hs, nh);
    return 0;
}


/* ---- callers / callees ---------------------------------------------------------------- */

/* Contract in stats_view.h. */
pt_table *stats_edges_table(const stats_opts *o, const pt_edges *e, int callers,
                            int64_t *shown_out, int64_t *matching_out)
{
    pt_table *t = pt_table_new(callers ? "callers" : "callees");
    int c_calls = pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_BOTH);
    int c_cshare = pt_table_add_col(t, "calls_share", "%calls", PT_COL_SHARE,
                                    callers ? PT_COL_BOTH : PT_COL_MACHINE);
    int c_total = pt_table_add_col(t, "total_dur", "total", PT_COL_DUR, PT_COL_BOTH);
    int c_self = pt_table_add_col(t, "self_dur", "self", PT_COL_DUR, PT_COL_BOTH);
    int c_paths = pt_table_add_col(t, "paths", "paths", PT_COL_INT, PT_COL_MACHINE);
    int c_id = pt_table_add_col(t, callers ? "caller_id" : "callee_id", "id", PT_COL_INT,
                                PT_COL_MACHINE);
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    int c_file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    int c_line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    int c_label = pt_table_add_col(t, "function", callers ? "caller" : "callee", PT_COL_TEXT,
                                   PT_COL_HUMAN);
    int64_t limit = stats_row_limit(o, INT64_MAX), shown = 0, matching = 0;
    int64_t fcalls = e->calls;
    for (size_t i = 0; i < e->n; i++) {
        const pt_edge *ed = &e->rows[i];
        const char *name = ed->name, *file = ed->file;
        int64_t line = ed->line;
        int root = ed->root;
        if (!root && !pt_filter_match(o->filter, name, file, line))
            continue;
        matching++;
        if (shown >= limit)
            continue;
        shown++;
        pt_table_add_row(t);
        int64_t calls = ed->calls;
        pt_table_set_int(t, c_calls, calls);
        pt_table_set_real(t, c_cshare, fcalls > 0 ? (double)calls / (double)fcalls : NAN);
        pt_table_set_real(t, c_total, ed->total);
        pt_table_set_real(t, c_self, ed->self);
        pt_table_set_int(t, c_paths, ed->paths);
        if (!root)
            pt_table_set_int(t, c_id, ed->id);
        pt_table_set_text(t, c_name, root ? "<thread start>" : name);
        pt_table_set_text(t, c_file, file);
        if (file)
            pt_table_set_int(t, c_line, line);
        char *label = root ? pt_xstrdup("<thread start>") : pt_func_label(name, file, line);
        pt_table_set_text(t, c_label, label);
        free(label);
    }
    *shown_out = shown;
    *matching_out = matching;
    return t;
}

/* Contract in stats_view.h. */
int stats_view_edges(stats_ctx *c, int callers)
{
    stats_opts *o = c->opt;
    pt_edges e;
    stats_check(pt_edges_load(c->db, c->run.id, o->function, callers, &e));
    int found = e.found, recursive = e.recursive;
    int64_t fcalls = e.calls;
    double ftotal = e.total, fself = e.self;
    const char *flabel = e.label;
    if (!found)
        pt_die(PT_EXIT_DATA, "%s: run %lld has no function named '%s' (names are exact; see "
               "the function table)", c->db_path, (long long)c->run.id, o->function);

    int64_t shown, matching;
    pt_table *t = stats_edges_table(o, &e, callers, &shown, &matching);
    stats_run_header(c);
    char tot[PT_DUR_BUFSZ], slf[PT_DUR_BUFSZ];
    pt_out_header(c->out, "%s %s%s · %lld calls · total %s · self %s", callers ? "callers of" :
                  "callees of", flabel, found > 1 ? " (several functions of that name)" : "",
                  (long long)fcalls, pt_fmt_dur(ftotal, tot, sizeof tot),
                  pt_fmt_dur(fself, slf, sizeof slf));
    cJSON *target = cJSON_CreateObject();
    cJSON_AddItemToObject(target, "name", cJSON_CreateString(o->function));
    cJSON_AddItemToObject(target, "functions", cJSON_CreateNumber(found));
    cJSON_AddItemToObject(target, "calls", cJSON_CreateNumber((double)fcalls));
    cJSON_AddItemToObject(target, "total_dur", cJSON_CreateNumber(ftotal));
    cJSON_AddItemToObject(target, "self_dur", cJSON_CreateNumber(fself));
    pt_out_meta(c->out, "target", target);
    stats_emit(c, t);
    if (matching == 0 && callers)
        pt_out_note(c->out, "no caller matches the filter");
    else if (matching == 0)
        pt_out_note(c->out, "%s calls no instrumented function%s", flabel,
                    o->filter ? " matching the filter" : "");
    else if (shown < matching)
        pt_out_note(c->out, "showing %lld of %lld (--top)", (long long)shown, (long long)matching);
    if (recursive)
        pt_out_note(c->out, "%s is recursive: the inclusive time of its edge to itself counts "
                    "nested calls once per level; self times are exact",
                    o->function);
    pt_out_meta(c->out, "recursive", cJSON_CreateBool(recursive));
    pt_edges_free(&e);
    return 0;
}

