/* tools/lib/stats_tree.c: pscope-stats' --tree view — the calling-context tree drawn with
 * box-drawing connectors, limited by --depth, --min-share (inclusive share) and --filter
 * (a node is shown when it, an ancestor or a descendant matches). Iterative walk: paths
 * may be thousands deep. Data from rundata.h; contract in stats_view.h. */
#include "stats_view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The growing box-drawing prefix of tree lines. */
typedef struct {
    char *s;
    size_t len, cap;
} sbuf_t;

static void prefix_trunc(sbuf_t *b, size_t len)
{
    if (b->s && len <= b->len) {
        b->len = len;
        b->s[len] = '\0';
    }
}

static void prefix_add(sbuf_t *b, const char *ext)
{
    size_t n = strlen(ext);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = pt_xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, ext, n + 1);
    b->len += n;
}

#define TREE_MAX_INDENT 48 /* levels drawn with connectors */

struct frame {
    size_t node;
    size_t pos;       /* position in kids[] of the next visible child; nkids when none */
    int anc;          /* the node or an ancestor passes the filter */
    size_t plen;      /* length of the prefix its children's lines start with */
};

struct tree_view {
    const pt_tnode *nodes;
    const unsigned char *match; /* per node: the node itself passes the filter */
    const unsigned char *below; /* per node: the node or a descendant passes */
    double thread_time;
    double min_share; /* NAN: no limit */
};

/* A node is shown when it reaches --min-share and, under a filter, it or an ancestor
 * (anc) or a descendant (below) passes. */
static int tree_visible(const struct tree_view *v, size_t i, int anc)
{
    const pt_tnode *d = &v->nodes[i];
    if (!isnan(v->min_share) &&
        !(v->thread_time > 0 && d->total / v->thread_time >= v->min_share - 1e-12))
        return 0;
    return anc || v->below[i];
}

static size_t next_visible(const struct tree_view *v, const pt_tnode *d, size_t from, int anc)
{
    while (from < d->nkids && !tree_visible(v, d->kids[from], anc || v->match[d->kids[from]]))
        from++;
    return from;
}

static int cmp_depth_desc(const void *a, const void *b, void *nodes_)
{
    const pt_tnode *nodes = nodes_;
    const pt_tnode *x = &nodes[*(const size_t *)a], *y = &nodes[*(const size_t *)b];
    return (x->depth < y->depth) - (x->depth > y->depth);
}

struct tree_cols {
    int total, share, self, sshare, calls, min, max, id, pid, depth, fid, name, file, line, label;
    int oncpu, samples; /* -1 when the run has no CPU samples */
};

static void tree_row(pt_table *t, const struct tree_cols *tc, const pt_tnode *d,
                     double thread_time, const char *label)
{
    pt_table_add_row(t);
    pt_table_set_real(t, tc->total, d->total);
    pt_table_set_real(t, tc->share, thread_time > 0 ? d->total / thread_time : NAN);
    pt_table_set_real(t, tc->self, d->self);
    pt_table_set_real(t, tc->sshare, thread_time > 0 ? d->self / thread_time : NAN);
    pt_table_set_int(t, tc->calls, d->calls);
    pt_table_set_real(t, tc->min, d->min);
    pt_table_set_real(t, tc->max, d->max);
    pt_table_set_int(t, tc->id, d->id);
    if (d->parent_id >= 0)
        pt_table_set_int(t, tc->pid, d->parent_id);
    pt_table_set_int(t, tc->depth, d->depth);
    pt_table_set_int(t, tc->fid, d->function_id);
    pt_table_set_text(t, tc->name, d->name);
    pt_table_set_text(t, tc->file, d->file);
    if (d->file)
        pt_table_set_int(t, tc->line, d->line);
    pt_table_set_text(t, tc->label, label);
    if (tc->oncpu >= 0) {
        pt_table_set_real(t, tc->oncpu, d->oncpu_share);
        pt_table_set_int(t, tc->samples, d->cpu_samples);
    }
    if (thread_time > 0 && d->self / thread_time >= 0.10)
        pt_table_set_mark(t, PT_MARK_HOT, NULL);
}

/* Contract in stats_view.h. */
int stats_view_tree(stats_ctx *c)
{
    stats_opts *o = c->opt;
    pt_tree tree;
    stats_check(pt_tree_load(c->db, c->run.id, o->depth > 0 ? o->depth - 1 : INT64_MAX, &tree));
    size_t n = tree.n;
    if (n == 0)
        pt_die(PT_EXIT_DATA, "%s: run %lld has no call paths (%s)", c->db_path, (long long)c->run.id,
               c->run.source && strcmp(c->run.source, "cprofile") == 0
                   ? "imported from cProfile, which records callers, not call paths: see "
                     "--callers/--callees"
                   : "no function calls recorded");
    stats_honest *honest = stats_honest_tree(c, &tree);
    const pt_tnode *nodes = tree.nodes;
    double thread_time = tree.thread_time;
    unsigned char *match = pt_xmalloc(n), *below = pt_xmalloc(n);
    for (size_t i = 0; i < n; i++)
        match[i] = below[i] = (unsigned char)pt_filter_match(o->filter, nodes[i].name,
                                                             nodes[i].file, nodes[i].line);
    if (o->filter) { /* "the node or a descendant matches", deepest nodes first */
        size_t *order = pt_xmalloc(n * sizeof *order);
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        qsort_r(order, n, sizeof *order, cmp_depth_desc, tree.nodes);
        for (size_t j = 0; j < n; j++) {
            size_t i = order[j], p = nodes[i].parent;
            if (p != SIZE_MAX && below[i])
                below[p] = 1;
        }
        free(order);
    }
    size_t *roots = tree.roots, nroots = tree.nroots;

    stats_run_header(c);
    char tt[PT_DUR_BUFSZ];
    pt_out_header(c->out, "call tree · %zu call paths · %%run of thread time %s%s%s", n,
                  pt_fmt_dur(thread_time, tt, sizeof tt),
                  o->depth > 0 ? " · depth limited (--depth)" : "",
                  !isnan(o->min_share) ? " · small nodes hidden (--min-share)" : "");
    pt_out_meta(c->out, "thread_time_ns", cJSON_CreateNumber(thread_time));
    stats_honest_header(c, honest);

    pt_table *t = pt_table_new("tree");
    struct tree_cols tc;
    tc.total = pt_table_add_col(t, "total_dur", "total", PT_COL_DUR, PT_COL_BOTH);
    tc.share = pt_table_add_col(t, "total_share", "%run", PT_COL_SHARE, PT_COL_BOTH);
    tc.self = pt_table_add_col(t, "self_dur", "self", PT_COL_DUR, PT_COL_BOTH);
    tc.sshare = pt_table_add_col(t, "self_share", "%self", PT_COL_SHARE, PT_COL_MACHINE);
    tc.calls = pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_BOTH);
    tc.min = pt_table_add_col(t, "min_dur", "min", PT_COL_DUR, PT_COL_MACHINE);
    tc.max = pt_table_add_col(t, "max_dur", "max", PT_COL_DUR, PT_COL_MACHINE);
    tc.id = pt_table_add_col(t, "callpath_id", "id", PT_COL_INT, PT_COL_MACHINE);
    tc.pid = pt_table_add_col(t, "parent_id", "parent", PT_COL_INT, PT_COL_MACHINE);
    tc.depth = pt_table_add_col(t, "depth", "depth", PT_COL_INT, PT_COL_MACHINE);
    tc.fid = pt_table_add_col(t, "function_id", "function id", PT_COL_INT, PT_COL_MACHINE);
    tc.name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    tc.file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    tc.line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    tc.oncpu = tc.samples = -1;
    if (stats_honest_has_cpu(honest)) {
        tc.oncpu = pt_table_add_col(t, "oncpu_share", "on-CPU", PT_COL_SHARE, PT_COL_BOTH);
        tc.samples = pt_table_add_col(t, "cpu_samples", "samples", PT_COL_INT, PT_COL_MACHINE);
    }
    tc.label = pt_table_add_col(t, "function", "function", PT_COL_TEXT, PT_COL_HUMAN);
    stats_honest_free(honest);

    /* Iterative depth-first walk (paths can be thousands deep). Each line is the parent's
     * children prefix + a connector + the label; the prefix grows by "│  " or "   ". */
    struct tree_view v = {nodes, match, below, thread_time, o->min_share};
    struct frame *stack = pt_xmalloc(n * sizeof *stack);
    sbuf_t prefix = {0};
    int64_t limit = stats_row_limit(o, INT64_MAX), shown = 0;
    for (size_t r = 0; r < nroots && shown < limit; r++) {
        size_t root = roots[r];
        int anc = match[root];
        if (!tree_visible(&v, root, anc))
            continue;
        char *lab = pt_func_label(nodes[root].name, nodes[root].file, nodes[root].line);
        tree_row(t, &tc, &nodes[root], thread_time, lab);
        free(lab);
        shown++;
        size_t sp = 0;
        stack[sp++] = (struct frame){root, next_visible(&v, &nodes[root], 0, anc), anc, 0};
        prefix_trunc(&prefix, 0);
        while (sp > 0 && shown < limit) {
            struct frame *f = &stack[sp - 1];
            const pt_tnode *d = &nodes[f->node];
            if (f->pos >= d->nkids) {
                sp--;
                continue;
            }
            size_t k = d->kids[f->pos];
            size_t after = next_visible(&v, d, f->pos + 1, f->anc);
            int last = after >= d->nkids;
            f->pos = after;
            int kanc = f->anc || match[k];
            prefix_trunc(&prefix, f->plen);
            lab = pt_func_label(nodes[k].name, nodes[k].file, nodes[k].line);
            /* Beyond TREE_MAX_INDENT levels the indentation stops growing (a 20,000-deep
             * recursion would otherwise print quadratic amounts of box drawing); the
             * depth is then written out. */
            int deep = sp > TREE_MAX_INDENT;
            char *line = deep ? pt_xasprintf("%s┄ [depth %lld] %s", prefix.s ? prefix.s : "",
                                             (long long)nodes[k].depth, lab)
                              : pt_xasprintf("%s%s%s", prefix.s ? prefix.s : "",
                                             last ? "└─ " : "├─ ", lab);
            free(lab);
            tree_row(t, &tc, &nodes[k], thread_time, line);
            free(line);
            shown++;
            if (!deep)
                prefix_add(&prefix, last ? "   " : "│  ");
            stack[sp++] = (struct frame){k, next_visible(&v, &nodes[k], 0, kanc), kanc, prefix.len};
        }
    }
    free(prefix.s);
    free(stack);
    stats_emit(c, t);
    if (shown == 0)
        pt_out_note(c->out, "no call path matches the filter");
    else if (shown >= limit)
        pt_out_note(c->out, "output limited to %lld rows (--top)", (long long)limit);
    free(match);
    free(below);
    pt_tree_free(&tree);
    return 0;
}
