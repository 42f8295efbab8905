/* tools/lib/html_icicle.c: the icicle (flame) graph of a run's calling-context tree as
 * inline SVG, readable without JavaScript and driven by report.js with it.
 *
 * Layout: one row per depth, the root box "all" spans the width; each call path is a box
 * whose width is its share of the total inclusive time, placed left to right under its
 * parent in the tree's child order (inclusive time descending). Children narrower than
 * min_frac of the total are merged into one "other" box per parent (drawn when the merge
 * reaches min_frac), so a profile of any size gives a bounded number of boxes; rows
 * deeper than ICICLE_MAX_DEPTH are cut (the page says so).
 *
 * Each box is a nested <svg> (it clips its own label, so labels are cut to fit at any
 * zoom) with a <rect>, a <text> label and a <title> holding the full name and figures.
 * Attributes for the script: data-p (parent box index, preorder), data-f (index into the
 * PSCOPE_NAMES table, -1 for "all"/"other"), data-v (inclusive ns). x and width are
 * percentages of the graph's width. Differential mode colours boxes by the change of self
 * time against the base (red slower, blue faster, grey within 5%, hatched: a new path).
 * Contracts in html.h. */
#include "html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ICICLE_MAX_DEPTH 200
#define ROW_PX 18

static size_t g_boxes;

/* Contract in html.h. */
size_t pt_html_icicle_boxes(void)
{
    return g_boxes;
}

/* Sorted unique names of the tree, for the JS name table and the boxes' data-f. */
typedef struct names {
    const char **v;
    size_t n;
} names;

static int cmp_pstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static names names_of(const pt_tree *t)
{
    names nm = {pt_xmalloc((t->n ? t->n : 1) * sizeof(char *)), 0};
    for (size_t i = 0; i < t->n; i++)
        nm.v[i] = t->nodes[i].name;
    qsort(nm.v, t->n, sizeof(char *), cmp_pstr);
    for (size_t i = 0; i < t->n; i++)
        if (nm.n == 0 || strcmp(nm.v[nm.n - 1], nm.v[i]) != 0)
            nm.v[nm.n++] = nm.v[i];
    return nm;
}

static long name_index(const names *nm, const char *s)
{
    const char **hit = bsearch(&s, nm->v, nm->n, sizeof(char *), cmp_pstr);
    return hit ? (long)(hit - nm->v) : -1;
}

/* A deterministic warm colour per name (FNV-1a hash), as flame graphs use. */
static void name_colour(pt_hbuf *b, const char *s)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 16777619u;
    pt_hb_printf(b, "hsl(%u,%u%%,%u%%)", 10 + h % 45, 65 + (h >> 8) % 20, 58 + (h >> 16) % 12);
}

/* Red (slower) / blue (faster) / grey by the ratio of current to base self time. */
static void diff_colour(pt_hbuf *b, double cur, double base)
{
    if (isnan(base)) {
        pt_hb_put(b, "url(#ic-new)");
        return;
    }
    double r = base > 0 ? cur / base : (cur > 0 ? 4.0 : 1.0);
    if (fabs(r - 1.0) < 0.05) {
        pt_hb_put(b, "hsl(0,0%,78%)");
        return;
    }
    double s = fabs(log2(r)); /* 1 = twice as slow or fast */
    unsigned light = (unsigned)(85 - (s > 1 ? 1 : s) * 35);
    pt_hb_printf(b, "hsl(%u,75%%,%u%%)", r > 1 ? 0u : 220u, light);
}

struct ctx {
    pt_hbuf *b;
    const pt_tree *t;
    const pt_icicle_diff *d;
    const names *nm;
    double total;
    size_t nbox;
    int maxdepth;
};

static void box(struct ctx *c, long parent, double x0, double w, int depth, const pt_tnode *n,
                const char *label, double incl, double self, int64_t calls, size_t merged,
                size_t node_index)
{
    pt_hbuf *b = c->b;
    if (depth > c->maxdepth)
        c->maxdepth = depth;
    pt_hb_printf(b, "<svg class=\"b\" x=\"%.5f%%\" y=\"%d\" width=\"%.5f%%\" height=\"%d\" "
                 "data-p=\"%ld\" data-f=\"%ld\" data-v=\"%.0f\"><rect width=\"100%%\" "
                 "height=\"100%%\" fill=\"", x0 * 100.0, depth * ROW_PX, w * 100.0, ROW_PX - 1,
                 parent, n ? name_index(c->nm, n->name) : -1L, incl);
    if (!n)
        pt_hb_put(b, merged ? "hsl(0,0%,70%)" : "hsl(30,15%,75%)");
    else if (c->d)
        diff_colour(b, self, c->d->base_self[node_index]);
    else
        name_colour(b, n->name);
    pt_hb_put(b, "\"/><text x=\"3\" y=\"12\">");
    pt_hb_text(b, label);
    pt_hb_put(b, "</text><title>");
    pt_hb_text(b, label);
    if (n && n->file) {
        pt_hb_printf(b, "\n");
        pt_hb_text(b, n->file);
        pt_hb_printf(b, ":%lld", (long long)n->line);
    }
    pt_hb_put(b, "\ninclusive ");
    pt_html_dur(b, incl);
    pt_hb_printf(b, " (%.2f%%)", c->total > 0 ? incl / c->total * 100.0 : 0.0);
    if (n) {
        pt_hb_put(b, " · self ");
        pt_html_dur(b, self);
        pt_hb_printf(b, " · %lld calls", (long long)calls);
        if (c->d) {
            double base = c->d->base_self[node_index];
            if (isnan(base)) {
                pt_hb_put(b, "\nnew call path (not in the base)");
            } else {
                pt_hb_put(b, "\nself in base ");
                pt_html_dur(b, base);
                if (base > 0)
                    pt_hb_printf(b, " (%+.1f%%)", (self / base - 1.0) * 100.0);
            }
        }
    } else if (merged) {
        pt_hb_printf(b, "\n%zu call paths narrower than the minimum box width", merged);
    }
    pt_hb_put(b, "</title></svg>\n");
    c->nbox++;
}

struct frame {
    const size_t *kids; /* child node indexes */
    size_t nkids, pos;
    long box;           /* this level's parent box */
    double x;           /* next child's x */
    int depth;          /* depth of the children */
    double other;       /* merged width so far */
    size_t merged;
};

/* Contract in html.h. */
void pt_html_icicle(pt_hbuf *b, const pt_tree *t, const pt_icicle_diff *d, double min_frac)
{
    g_boxes = 0;
    double total = 0;
    for (size_t r = 0; r < t->nroots; r++)
        total += t->nodes[t->roots[r]].total;
    names nm = names_of(t);
    struct ctx c = {b, t, d, &nm, total, 0, 0};
    pt_hbuf boxes = {0};
    c.b = &boxes;
    box(&c, -1, 0, 1, 0, NULL, "all", total, 0, 0, 0, 0);
    struct frame *st = pt_xmalloc((ICICLE_MAX_DEPTH + 2) * sizeof *st);
    size_t sp = 0;
    int cut = 0;
    if (total > 0)
        st[sp++] = (struct frame){t->roots, t->nroots, 0, 0, 0.0, 1, 0.0, 0};
    while (sp > 0) {
        struct frame *f = &st[sp - 1];
        if (f->pos >= f->nkids) {
            if (f->merged && f->other >= min_frac)
                box(&c, f->box, f->x, f->other, f->depth, NULL, "other", f->other * total, 0,
                    0, f->merged, 0);
            sp--;
            continue;
        }
        size_t k = f->kids[f->pos++];
        const pt_tnode *n = &t->nodes[k];
        double w = n->total / total;
        if (!(w >= min_frac)) {
            f->other += w > 0 ? w : 0;
            f->merged++;
            continue;
        }
        long me = (long)c.nbox;
        box(&c, f->box, f->x, w, f->depth, n, n->name, n->total, n->self, n->calls, 0, k);
        double x = f->x;
        f->x += w;
        if (n->nkids == 0)
            continue;
        if (f->depth >= ICICLE_MAX_DEPTH) {
            cut = 1;
            continue;
        }
        st[sp++] = (struct frame){n->kids, n->nkids, 0, me, x, f->depth + 1, 0.0, 0};
    }
    free(st);
    g_boxes = c.nbox;

    pt_hb_printf(b, "<div class=\"icicle\" id=\"icicle\" data-total=\"%.0f\">\n", total);
    pt_hb_put(b, "<div class=\"icicle-tools\"><label>Search <input type=\"search\" "
                 "id=\"ic-search\" placeholder=\"regular expression\"></label> <span "
                 "id=\"ic-matched\" class=\"matched\"></span> <button type=\"button\" "
                 "id=\"ic-reset\">Reset zoom</button></div>\n");
    pt_hb_printf(b, "<svg class=\"icicle-svg\" width=\"100%%\" height=\"%d\" role=\"img\" "
                 "aria-label=\"icicle graph of the call tree\">\n", (c.maxdepth + 1) * ROW_PX);
    if (d)
        pt_hb_put(b, "<defs><pattern id=\"ic-new\" width=\"6\" height=\"6\" "
                     "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect "
                     "width=\"6\" height=\"6\" fill=\"hsl(280,60%,80%)\"/><rect width=\"2\" "
                     "height=\"6\" fill=\"hsl(280,60%,45%)\"/></pattern></defs>\n");
    pt_hb_put(b, pt_hb_str(&boxes));
    pt_hb_put(b, "</svg>\n");
    pt_hb_printf(b, "<p class=\"hint\">%zu boxes · width = inclusive time · call paths under "
                 "%.2g%% of the total are merged into grey \"other\" boxes%s · click a box to "
                 "zoom, hover for figures.</p>\n", c.nbox, min_frac * 100.0,
                 cut ? " · the tree is cut below depth 200" : "");
    pt_hb_put(b, "</div>\n<script>var PSCOPE_NAMES = [");
    for (size_t i = 0; i < nm.n; i++) {
        pt_hb_put(b, i ? ",\"" : "\"");
        pt_hb_js(b, nm.v[i]);
        pt_hb_put(b, "\"");
    }
    pt_hb_put(b, "];</script>\n");
    pt_hb_free(&boxes);
    free(nm.v);
}
