/* tools/lib/stats_honest.c: honest times in pscope-stats' views — hook-cost compensation
 * of the function table, the hotspots and the tree (on by default when the run holds a
 * calibration; --raw for the measured figures), the on-CPU estimate per function, shares
 * on a basis idle threads do not inflate (--basis), and the header lines saying what was
 * done (calibration, collector waits, basis). Data from rundata_honest.h; formulas and
 * limits in docs/stats.md; contracts in stats_view.h. */
#include "stats_view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rundata_honest.h"

struct stats_honest {
    pt_honest h;
    int compensated;     /* figures had the hook cost removed */
    int oncpu_basis;     /* shares are of on-CPU time */
    double thread_raw;   /* thread time before compensation, ns */
    double thread_comp;  /* after, ns */
    double basis_total;  /* the time shares are of, ns */
};

/* A collector wait is shown when it is at least this share of the thread time. */
#define WAIT_SHOWN_SHARE 0.001
/* A function "mostly waits" below this on-CPU share. */
#define BLOCKED_BELOW 0.5

/* Load the run's honest data and decide compensation and basis for the options. */
static stats_honest *honest_open(stats_ctx *c)
{
    stats_honest *s = pt_xcalloc(1, sizeof *s);
    int rc = pt_honest_load(c->db, c->run.id, &s->h);
    int has_cpu = s->h.cpu_samples > 0;
    if (rc || (c->opt->basis == STATS_BASIS_ONCPU && !has_cpu))
        stats_honest_free(s); /* nothing left allocated behind the exit */
    stats_check(rc);
    if (c->opt->basis == STATS_BASIS_ONCPU && !has_cpu)
        pt_die(PT_EXIT_DATA, "%s: run %lld has no per-thread CPU samples, so --basis oncpu "
               "cannot be estimated (was the sampler off? sample_interval); use --basis thread",
               c->db_path, (long long)c->run.id);
    s->compensated = !c->opt->raw && pt_honest_calibrated(&s->h);
    s->oncpu_basis = has_cpu && c->opt->basis != STATS_BASIS_THREAD;
    return s;
}

static double clamp0(double v)
{
    return v > 0 ? v : 0;
}

/* A function's self time with the hook cost removed: its own calls' inner part and the
 * outer part of the calls it made (f: its tree totals, NULL when it has no call path). */
static double comp_self(const stats_honest *s, double self, int64_t calls, const pt_fn_comp *f)
{
    double inner = s->h.hook_inner_ns, outer = s->h.hook_ns - inner;
    return clamp0(self - (double)calls * inner - (f ? f->child_calls : 0) * outer);
}

/* Whether a function counts in the basis: always, or under --exclude-from-basis only when
 * it passes --filter/--exclude. */
static int in_basis(const stats_ctx *c, const char *name, const char *file, int64_t line)
{
    return !c->opt->exclude_from_basis || pt_filter_match(c->opt->filter, name, file, line);
}

/* The time a function counts with on the basis: on-CPU time when estimated (its whole self
 * time otherwise: an upper bound), or its self time. */
static double basis_time(const stats_honest *s, double self, double oncpu)
{
    return s->oncpu_basis && !isnan(oncpu) ? oncpu : self;
}

/* Contract in stats_view.h. */
stats_honest *stats_honest_functions(stats_ctx *c, pt_fnrow *rows, size_t n, double *thread_time)
{
    stats_honest *s = honest_open(c);
    double sum_self = 0, basis_total = 0;
    for (size_t i = 0; i < n; i++) {
        pt_fnrow *r = &rows[i];
        const pt_fn_comp *f = pt_honest_fn(&s->h, r->id);
        r->self_raw = r->self;
        r->total_raw = r->total;
        s->thread_raw += r->self;
        if (s->compensated) {
            double calls = (double)r->calls;
            r->self = comp_self(s, r->self, r->calls, f);
            r->total = clamp0(r->total - (f ? f->outer_sub : calls * s->h.hook_inner_ns));
            double all_sub = f ? f->all_sub : calls * s->h.hook_inner_ns;
            r->mean = r->calls > 0 ? clamp0(r->mean * calls - all_sub) / calls : r->mean;
            r->self_per_call = r->calls > 0 ? r->self / calls : NAN;
            r->total_per_call =
                r->primitive_calls > 0 ? r->total / (double)r->primitive_calls : NAN;
        }
        r->cpu_samples = f ? f->samples : 0;
        r->oncpu_share = f ? pt_oncpu_share(f->samples, f->cpu_ns, f->window_ns) : NAN;
        r->oncpu = r->oncpu_share * r->self;
        sum_self += r->self;
        if (in_basis(c, r->name, r->file, r->line))
            basis_total += basis_time(s, r->self, r->oncpu);
    }
    for (size_t i = 0; i < n; i++) {
        pt_fnrow *r = &rows[i];
        r->self_share = basis_total > 0 ? basis_time(s, r->self, r->oncpu) / basis_total : NAN;
        if (s->compensated) /* inclusive shares stay of (compensated) thread time */
            r->total_share = sum_self > 0 ? r->total / sum_self : NAN;
    }
    s->thread_comp = sum_self;
    s->basis_total = basis_total;
    *thread_time = sum_self;
    return s;
}

static int cmp_hotspot(const void *pa, const void *pb)
{
    const pt_hotspot *a = pa, *b = pb;
    int r = pt_cmp_desc(a->saved, b->saved);
    if (r)
        return r;
    r = strcmp(a->name ? a->name : "", b->name ? b->name : "");
    return r ? r : (a->function_id > b->function_id) - (a->function_id < b->function_id);
}

/* Contract in stats_view.h. */
stats_honest *stats_honest_hotspots(stats_ctx *c, pt_hotspot *rows, size_t n, double k,
                                    double *basis_total)
{
    stats_honest *s = honest_open(c);
    double total = 0, sum_self = 0;
    for (size_t i = 0; i < n; i++) {
        pt_hotspot *r = &rows[i];
        const pt_fn_comp *f = pt_honest_fn(&s->h, r->function_id);
        r->self_raw = r->self;
        s->thread_raw += r->self;
        if (s->compensated)
            r->self = comp_self(s, r->self, r->calls, f);
        r->cpu_samples = f ? f->samples : 0;
        r->oncpu_share = f ? pt_oncpu_share(f->samples, f->cpu_ns, f->window_ns) : NAN;
        r->oncpu = r->oncpu_share * r->self;
        r->blocked_share = f ? pt_blocked_share(f->samples, f->cpu_ns, f->window_ns,
                                                f->runq_samples, f->runq_ns) : NAN;
        r->runq_known = f && f->runq_samples == f->samples;
        r->basis_time = basis_time(s, r->self, r->oncpu);
        sum_self += r->self;
        if (in_basis(c, r->name, r->file, r->line))
            total += r->basis_time;
    }
    for (size_t i = 0; i < n; i++) {
        pt_hotspot *r = &rows[i];
        r->share = total > 0 ? r->basis_time / total : NAN;
        r->max_speedup = pt_amdahl_max(r->share);
        r->speedup_k = pt_amdahl(r->share, k);
        r->saved = r->basis_time * (1.0 - 1.0 / k);
    }
    qsort(rows, n, sizeof *rows, cmp_hotspot);
    s->thread_comp = sum_self;
    s->basis_total = total;
    *basis_total = total;
    return s;
}

/* Contract in stats_view.h. */
stats_honest *stats_honest_tree(stats_ctx *c, pt_tree *tree)
{
    stats_honest *s = honest_open(c);
    s->oncpu_basis = 0; /* tree shares stay of thread time: inclusive on-CPU is not estimated */
    s->thread_raw = tree->thread_time;
    for (size_t i = 0; i < tree->n; i++) {
        pt_tnode *d = &tree->nodes[i];
        const pt_cp_comp *cp = pt_honest_cp(&s->h, d->id);
        d->cpu_samples = cp ? cp->samples : 0;
        d->oncpu_share = cp ? pt_oncpu_share(cp->samples, cp->cpu_ns, cp->window_ns) : NAN;
    }
    if (s->compensated) {
        double removed = 0;
        for (size_t i = 0; i < s->h.ncp; i++)
            removed += s->h.cp[i].self_sub;
        for (size_t i = 0; i < tree->n; i++) {
            pt_tnode *d = &tree->nodes[i];
            const pt_cp_comp *cp = pt_honest_cp(&s->h, d->id);
            if (!cp)
                continue;
            d->self = clamp0(d->self - cp->self_sub);
            d->total = clamp0(d->total - cp->total_sub);
        }
        tree->thread_time = clamp0(tree->thread_time - removed);
    }
    s->thread_comp = tree->thread_time;
    s->basis_total = tree->thread_time;
    return s;
}

/* Contract in stats_view.h. */
void stats_honest_header(stats_ctx *c, const stats_honest *s)
{
    char a[PT_DUR_BUFSZ], b[PT_DUR_BUFSZ], d[PT_DUR_BUFSZ], e[PT_DUR_BUFSZ];
    const pt_honest *h = &s->h;
    if (pt_honest_calibrated(h)) {
        pt_fmt_dur(h->hook_ns, a, sizeof a);
        pt_fmt_dur(h->hook_inner_ns, b, sizeof b);
        pt_fmt_dur(s->thread_raw, d, sizeof d);
        pt_fmt_dur(s->thread_comp, e, sizeof e);
        if (s->compensated)
            pt_out_header(c->out, "hook cost %s per call (%s of it inside the callee) removed: "
                          "thread time %s measured, %s compensated (--raw: measured figures)",
                          a, b, d, e);
        else
            pt_out_header(c->out, "measured figures (--raw): hook cost %s per call not removed",
                          a);
        pt_out_meta(c->out, "hook_ns", cJSON_CreateNumber(h->hook_ns));
        pt_out_meta(c->out, "hook_inner_ns", cJSON_CreateNumber(h->hook_inner_ns));
    }
    pt_out_meta(c->out, "compensated", cJSON_CreateBool(s->compensated));
    if (!isnan(h->collector_wait_ns)) {
        pt_out_meta(c->out, "collector_wait_ns", cJSON_CreateNumber(h->collector_wait_ns));
        if (h->collector_wait_ns > 0 && h->collector_wait_ns >= WAIT_SHOWN_SHARE * s->thread_raw)
            pt_out_header(c->out, "program threads waited %s for the collector (%.1f%% of the "
                          "measured thread time), removed from the figures",
                          pt_fmt_dur(h->collector_wait_ns, a, sizeof a),
                          s->thread_raw > 0 ? 100.0 * h->collector_wait_ns / s->thread_raw : 0.0);
    }
    if (s->oncpu_basis)
        pt_out_header(c->out, "shares of on-CPU time %s (estimated from %lld thread samples; "
                      "--basis thread: of all threads' time, waiting included)",
                      pt_fmt_dur(s->basis_total, a, sizeof a), (long long)h->cpu_samples);
    else if (c->opt->exclude_from_basis)
        pt_out_header(c->out, "shares of the shown functions' time %s (--exclude-from-basis)",
                      pt_fmt_dur(s->basis_total, a, sizeof a));
    pt_out_meta(c->out, "basis", cJSON_CreateString(s->oncpu_basis ? "oncpu" : "thread"));
    pt_out_meta(c->out, "basis_ns", cJSON_CreateNumber(s->basis_total));
    pt_out_meta(c->out, "cpu_samples", cJSON_CreateNumber((double)h->cpu_samples));
}

/* Contract in stats_view.h. */
void stats_honest_blocked_note(stats_ctx *c, const pt_hotspot *r)
{
    if (isnan(r->blocked_share) || !(r->blocked_share > 1.0 - BLOCKED_BELOW))
        return;
    char *label = pt_func_label(r->name, r->file, r->line);
    if (r->runq_known)
        pt_out_note(c->out, "%s: blocked %.0f%% of its time: the cost is in what it waits for, "
                    "not in its own code (%lld samples)", label, 100.0 * r->blocked_share,
                    (long long)r->cpu_samples);
    else
        pt_out_note(c->out, "%s: off CPU %.0f%% of its time: blocked (the cost is in what it "
                    "waits for) or, on a busy machine, waiting for a CPU; the run does not "
                    "record which (%lld samples)", label, 100.0 * r->blocked_share,
                    (long long)r->cpu_samples);
    free(label);
}

/* Contract in stats_view.h. */
int stats_honest_has_cpu(const stats_honest *s)
{
    return s->h.cpu_samples > 0;
}

/* Contract in stats_view.h. */
int stats_honest_oncpu_basis(const stats_honest *s)
{
    return s->oncpu_basis;
}

/* Contract in stats_view.h. */
int stats_honest_compensated(const stats_honest *s)
{
    return s->compensated;
}

/* Contract in stats_view.h. */
void stats_honest_free(stats_honest *s)
{
    if (!s)
        return;
    pt_honest_free(&s->h);
    free(s);
}
