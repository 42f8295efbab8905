/* tools/lib/html_escape.c: pscope-html's output buffer and its three escapers (HTML text,
 * attribute value, JavaScript string); the one place where foreign text becomes report
 * markup. Contracts and the rule of use in html_escape.h. Invariant: every escaper walks
 * the input by UTF-8 sequence (ptool's pt__utf8_seq), so its output is valid UTF-8. */
#include "html_escape.h"
#include "ptool_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(pt_hbuf *b, size_t more)
{
    if (b->s && b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1)
        cap *= 2;
    b->s = pt_xrealloc(b->s, cap);
    b->s[b->len] = '\0'; /* NUL-terminated from the first allocation on */
    b->cap = cap;
}

/* Contract in html_escape.h. */
void pt_hb_putn(pt_hbuf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Contract in html_escape.h. */
void pt_hb_put(pt_hbuf *b, const char *s)
{
    pt_hb_putn(b, s, strlen(s));
}

/* Contract in html_escape.h. */
void pt_hb_printf(pt_hbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

enum ctx { C_TEXT, C_ATTR, C_JS };

/* The replacement of one byte of ASCII in context c, or NULL to copy it. */
static const char *ascii_escape(enum ctx c, unsigned char ch, char tmp[8])
{
    if (c == C_JS) {
        switch (ch) {
        case '\\': return "\\\\";
        case '"': return "\\\"";
        case '\'': return "\\u0027";
        case '\n': return "\\n";
        default: break;
        }
        if (ch < 0x20 || ch == 0x7f || ch == '<' || ch == '>' || ch == '&') {
            snprintf(tmp, 8, "\\u%04x", ch);
            return tmp;
        }
        return NULL;
    }
    switch (ch) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    default: break;
    }
    if (c == C_ATTR) {
        switch (ch) {
        case '"': return "&quot;";
        case '\'': return "&#39;";
        case '\n': return "&#10;";
        case '\t': return "&#9;";
        default: break;
        }
    } else if (ch == '\n' || ch == '\t') {
        return NULL;
    }
    if (ch < 0x20 || ch == 0x7f)
        return "\xef\xbf\xbd"; /* U+FFFD: control characters are not allowed in HTML */
    return NULL;
}

static void escape(pt_hbuf *b, const char *s, enum ctx c)
{
    if (!s)
        return;
    reserve(b, strlen(s));
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        char tmp[8];
        if (*p < 0x80) {
            const char *r = ascii_escape(c, *p, tmp);
            if (r)
                pt_hb_put(b, r);
            else
                pt_hb_putn(b, (const char *)p, 1);
            p++;
            continue;
        }
        size_t n = pt__utf8_seq(p);
        if (n == 0) {
            pt_hb_put(b, c == C_JS ? "\\ufffd" : "\xef\xbf\xbd");
            p++;
        } else if (c == C_JS && n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            pt_hb_put(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
            p += n;
        } else {
            pt_hb_putn(b, (const char *)p, n);
            p += n;
        }
    }
}

/* Contract in html_escape.h. */
void pt_hb_text(pt_hbuf *b, const char *s) { escape(b, s, C_TEXT); }

/* Contract in html_escape.h. */
void pt_hb_attr(pt_hbuf *b, const char *s) { escape(b, s, C_ATTR); }

/* Contract in html_escape.h. */
void pt_hb_js(pt_hbuf *b, const char *s) { escape(b, s, C_JS); }

/* Contract in html_escape.h. */
const char *pt_hb_str(const pt_hbuf *b)
{
    return b->s ? b->s : "";
}

/* Contract in html_escape.h. */
char *pt_hb_take(pt_hbuf *b)
{
    char *s = b->s ? b->s : pt_xstrdup("");
    memset(b, 0, sizeof *b);
    return s;
}

/* Contract in html_escape.h. */
void pt_hb_free(pt_hbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}
