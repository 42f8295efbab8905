/* tools/lib/html_escape.h: the output buffer of pscope-html and THE escapers for every
 * context foreign text (function names, labels, commands, paths) can reach in a report:
 *
 *   pt_hb_text   HTML text content (also the text of inline SVG <text>/<title>)
 *   pt_hb_attr   a double-quoted HTML/SVG attribute value
 *   pt_hb_js     the inside of a double-quoted JavaScript string in an inline <script>
 *
 * Nothing else in pscope-html writes foreign text: a renderer either calls one of these
 * or writes text of the program itself through pt_hb_put / pt_hb_printf (whose %s
 * arguments must never be foreign text). Every escaper also replaces invalid UTF-8 and
 * control characters (other than tab/newline in text) by U+FFFD, so a report is always
 * valid UTF-8 that an HTML5 parser accepts. Ownership: a pt_hbuf is zero-initialised
 * ({0}) and released with pt_hb_free; allocation failure exits (ptool's pt_x*).
 */
#ifndef PSCOPE_HTML_ESCAPE_H
#define PSCOPE_HTML_ESCAPE_H

#include <stddef.h>

#include "ptool.h"

typedef struct pt_hbuf {
    char *s;   /* NUL-terminated once anything was written; NULL before */
    size_t len, cap;
} pt_hbuf;

/* Append program text verbatim (n bytes / a C string / printf-formatted). */
void pt_hb_putn(pt_hbuf *b, const char *s, size_t n);
void pt_hb_put(pt_hbuf *b, const char *s);
void pt_hb_printf(pt_hbuf *b, const char *fmt, ...) PT_PRINTF(2, 3);

/* Append foreign text escaped for HTML text content: & < > as entities. NULL: nothing. */
void pt_hb_text(pt_hbuf *b, const char *s);

/* Append foreign text escaped for a double-quoted attribute value: & < > " ' as
 * entities, newlines and tabs as character references. NULL: nothing. */
void pt_hb_attr(pt_hbuf *b, const char *s);

/* Append foreign text escaped for the inside of a "..." JavaScript string literal in an
 * inline <script>: backslash, quotes, < > & (so "</script>" and "<!--" cannot end or
 * change the script), U+2028/U+2029 and control characters as \uXXXX escapes. */
void pt_hb_js(pt_hbuf *b, const char *s);

/* The buffer's text ("" when empty; owned by the buffer). */
const char *pt_hb_str(const pt_hbuf *b);

/* Take the text out (caller frees; never NULL); the buffer is emptied. */
char *pt_hb_take(pt_hbuf *b);

/* Free the text; the buffer is zeroed and reusable. */
void pt_hb_free(pt_hbuf *b);

#endif
