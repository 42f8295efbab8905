/* tools/lib/html_table.c: the HTML renderer of ptool tables — the same pt_table that
 * pscope-stats renders as table/csv/json/md becomes a <table> in a report. Human columns
 * and human cell text as in the table format; each numeric cell carries its exact machine
 * value in data-v so report.js can sort by it. Contracts in html.h. */
#include "html.h"
#include "ptool_internal.h"

#include <stdlib.h>

/* Contract in html.h. */
void pt_html_table(pt_hbuf *b, const pt_table *t, const char *id)
{
    pt_hb_put(b, "<div class=\"tablewrap\"><table class=\"data\"");
    if (id) {
        pt_hb_put(b, " id=\"");
        pt_hb_attr(b, id);
        pt_hb_put(b, "\"");
    }
    pt_hb_put(b, ">\n<thead><tr>");
    for (int c = 0; c < t->ncols; c++) {
        const pt_column *col = &t->cols[c];
        if (!(col->flags & PT_COL_HUMAN))
            continue;
        int num = col->type != PT_COL_TEXT || (col->flags & PT_COL_RIGHT);
        pt_hb_printf(b, "<th class=\"%s\">", num ? "num" : "txt");
        pt_hb_text(b, col->title);
        pt_hb_put(b, "</th>");
    }
    pt_hb_put(b, "</tr></thead>\n<tbody>\n");
    for (size_t r = 0; r < t->nrows; r++) {
        const pt_row *row = &t->rows[r];
        const char *cls = row->mark == PT_MARK_HOT ? " class=\"hot\"" :
                          row->mark == PT_MARK_BAD ? " class=\"bad\"" :
                          row->mark == PT_MARK_GOOD ? " class=\"good\"" : "";
        pt_hb_printf(b, "<tr%s>", cls);
        for (int c = 0; c < t->ncols; c++) {
            const pt_column *col = &t->cols[c];
            if (!(col->flags & PT_COL_HUMAN))
                continue;
            const pt_cell *cell = &row->cells[c];
            char *human = pt__cell_human(col, cell);
            if (col->type != PT_COL_TEXT && cell->kind != PT_CELL_TEXT) {
                char *v = pt__cell_machine(col, cell);
                pt_hb_put(b, "<td class=\"num\" data-v=\"");
                pt_hb_attr(b, v ? v : "");
                pt_hb_put(b, "\">");
                free(v);
            } else {
                pt_hb_put(b, (col->flags & PT_COL_RIGHT) ? "<td class=\"num\">" : "<td>");
            }
            pt_hb_text(b, human);
            pt_hb_put(b, "</td>");
            free(human);
        }
        pt_hb_put(b, "</tr>\n");
    }
    pt_hb_put(b, "</tbody></table></div>\n");
}

/* Contract in html.h. */
void pt_html_dur(pt_hbuf *b, double ns)
{
    char buf[PT_DUR_BUFSZ];
    pt_hb_text(b, pt_fmt_dur(ns, buf, sizeof buf));
}
