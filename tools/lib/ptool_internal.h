/* tools/lib/ptool_internal.h: declarations shared between the files of libpscope_tools
 * that are not part of the public ptool.h interface. Not installed, not for tools. */
#ifndef PSCOPE_PTOOL_INTERNAL_H
#define PSCOPE_PTOOL_INTERNAL_H

#include "ptool.h"

/* Discard every pt_out still open (remove their temporary files). Used by pt_die and the
 * out-of-memory path; safe to call when none is open. */
void pt__out_abort_all(void);

/* Append the UTF-8 text `s` to `buf` with invalid byte sequences replaced by U+FFFD;
 * caller frees the returned string. Used where the output must be valid UTF-8 (JSON, XML). */
char *pt__utf8_sanitize(const char *s);

/* Length in bytes of the valid UTF-8 sequence starting at s, or 0 if the byte at s does
 * not start a valid sequence (s[0] must not be NUL). */
size_t pt__utf8_seq(const unsigned char *s);

/* ---- tables (ptool_table.c), read by the renderers in ptool_out.c ---- */

typedef struct pt_cell {
    enum { PT_CELL_NULL, PT_CELL_TEXT, PT_CELL_INT, PT_CELL_REAL } kind;
    char *s;   /* PT_CELL_TEXT, owned */
    int64_t i; /* PT_CELL_INT */
    double d;  /* PT_CELL_REAL */
} pt_cell;

typedef struct pt_column {
    char *key, *title;
    pt_coltype type;
    unsigned flags;
    int decimals; /* -1: the type's default */
} pt_column;

typedef struct pt_row {
    pt_cell *cells; /* ncols cells */
    pt_mark mark;
    char *message;
} pt_row;

struct pt_table {
    char *name;
    pt_column *cols;
    int ncols, capcols;
    pt_row *rows;
    size_t nrows, caprows;
};

/* Human text of a cell (table, md), before format-specific escaping; caller frees. */
char *pt__cell_human(const pt_column *c, const pt_cell *cell);

/* Machine text of a numeric or text cell (CSV, JUnit); NULL for a null cell; caller
 * frees. Numbers: integers as such, reals in the shortest form that reads back exactly,
 * infinities as "inf"/"-inf". */
char *pt__cell_machine(const pt_column *c, const pt_cell *cell);

#endif
