/* tools/lib/ptool_table.c: the in-memory table a tool fills (columns with a machine key,
 * a human title and a type; rows of typed cells) and the text of one cell for human and
 * machine output. Rendering a whole table per format is in ptool_out.c.
 *
 * Invariant: every row has exactly ncols cells; columns cannot be added after the first
 * row (asserted). */
#include "ptool_internal.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

pt_table *pt_table_new(const char *name)
{
    pt_table *t = pt_xcalloc(1, sizeof *t);
    t->name = pt_xstrdup(name ? name : "rows");
    return t;
}

int pt_table_add_col(pt_table *t, const char *key, const char *title, pt_coltype type,
                     unsigned flags)
{
    assert(t->nrows == 0);
    if (t->ncols == t->capcols) {
        t->capcols = t->capcols ? t->capcols * 2 : 8;
        t->cols = pt_xrealloc(t->cols, (size_t)t->capcols * sizeof *t->cols);
    }
    pt_column *c = &t->cols[t->ncols];
    c->key = pt_xstrdup(key);
    c->title = pt_xstrdup(title ? title : key);
    c->type = type;
    c->flags = flags ? flags : PT_COL_BOTH;
    c->decimals = -1;
    return t->ncols++;
}

void pt_table_set_decimals(pt_table *t, int col, int decimals)
{
    assert(col >= 0 && col < t->ncols);
    t->cols[col].decimals = decimals;
}

void pt_table_add_row(pt_table *t)
{
    if (t->nrows == t->caprows) {
        t->caprows = t->caprows ? t->caprows * 2 : 32;
        t->rows = pt_xrealloc(t->rows, t->caprows * sizeof *t->rows);
    }
    pt_row *r = &t->rows[t->nrows++];
    r->cells = pt_xcalloc((size_t)(t->ncols ? t->ncols : 1), sizeof *r->cells);
    r->mark = PT_MARK_NONE;
    r->message = NULL;
}

static pt_cell *cell(pt_table *t, int col)
{
    assert(t->nrows > 0 && col >= 0 && col < t->ncols);
    pt_cell *c = &t->rows[t->nrows - 1].cells[col];
    if (c->kind == PT_CELL_TEXT)
        free(c->s);
    memset(c, 0, sizeof *c);
    return c;
}

void pt_table_set_text(pt_table *t, int col, const char *s)
{
    pt_cell *c = cell(t, col);
    if (s) {
        c->kind = PT_CELL_TEXT;
        c->s = pt_xstrdup(s);
    }
}

void pt_table_set_int(pt_table *t, int col, int64_t v)
{
    pt_cell *c = cell(t, col);
    c->kind = PT_CELL_INT;
    c->i = v;
}

void pt_table_set_real(pt_table *t, int col, double v)
{
    pt_cell *c = cell(t, col);
    if (!isnan(v)) {
        c->kind = PT_CELL_REAL;
        c->d = v;
    }
}

void pt_table_set_mark(pt_table *t, pt_mark mark, const char *message)
{
    assert(t->nrows > 0);
    pt_row *r = &t->rows[t->nrows - 1];
    r->mark = mark;
    free(r->message);
    r->message = pt_xstrdup(message);
}

size_t pt_table_rows(const pt_table *t)
{
    return t->nrows;
}

int pt_table_cols(const pt_table *t)
{
    return t->ncols;
}

void pt_table_free(pt_table *t)
{
    if (!t)
        return;
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++)
            if (t->rows[r].cells[c].kind == PT_CELL_TEXT)
                free(t->rows[r].cells[c].s);
        free(t->rows[r].cells);
        free(t->rows[r].message);
    }
    for (int c = 0; c < t->ncols; c++) {
        free(t->cols[c].key);
        free(t->cols[c].title);
    }
    free(t->rows);
    free(t->cols);
    free(t->name);
    free(t);
}

static double cell_num(const pt_cell *cell)
{
    return cell->kind == PT_CELL_INT ? (double)cell->i : cell->d;
}

char *pt__cell_human(const pt_column *c, const pt_cell *cell)
{
    if (cell->kind == PT_CELL_NULL)
        return pt_xstrdup("-");
    if (cell->kind == PT_CELL_TEXT)
        return pt_xstrdup(cell->s);
    double v = cell_num(cell);
    char buf[64];
    switch (c->type) {
    case PT_COL_DUR:
        return pt_xstrdup(pt_fmt_dur(v, buf, sizeof buf));
    case PT_COL_BYTES:
        return pt_xstrdup(pt_fmt_bytes(v, buf, sizeof buf));
    case PT_COL_SHARE:
        return pt_xasprintf("%.2f%%", v * 100.0);
    case PT_COL_RATIO:
        if (isinf(v))
            return pt_xstrdup("∞");
        return pt_xasprintf("%.*f×", c->decimals >= 0 ? c->decimals : 4, v);
    case PT_COL_REAL:
        return pt_xasprintf("%.*f", c->decimals >= 0 ? c->decimals : 3, v);
    case PT_COL_INT:
    case PT_COL_TEXT:
    default:
        if (cell->kind == PT_CELL_INT)
            return pt_xasprintf("%lld", (long long)cell->i);
        return pt_xasprintf("%.0f", v);
    }
}

char *pt__cell_machine(const pt_column *c, const pt_cell *cell)
{
    (void)c;
    switch (cell->kind) {
    case PT_CELL_NULL:
        return NULL;
    case PT_CELL_TEXT:
        return pt_xstrdup(cell->s);
    case PT_CELL_INT:
        return pt_xasprintf("%lld", (long long)cell->i);
    case PT_CELL_REAL:
    default:
        break;
    }
    double v = cell->d;
    if (isinf(v))
        return pt_xstrdup(v > 0 ? "inf" : "-inf");
    if (v == floor(v) && fabs(v) < 1e15)
        return pt_xasprintf("%.0f", v);
    char *s = pt_xasprintf("%.15g", v);
    if (strtod(s, NULL) != v) {
        free(s);
        s = pt_xasprintf("%.17g", v);
    }
    return s;
}
