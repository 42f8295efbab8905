/* tools/lib/ptool_out.c: output documents of the tools: human tables (aligned columns,
 * colour only on a terminal and never with NO_COLOR), CSV (RFC 4180), JSON (cJSON),
 * Markdown (GFM) and JUnit XML, written to stdout or atomically to -o FILE.
 *
 * Atomicity: a file target is written to ".<name>.XXXXXX" in the target's directory
 * (same file system, so rename(2) is atomic) and renamed only when everything was
 * written, flushed and synced. Every open temporary is listed in `pending`, so pt_die,
 * out-of-memory and SIGINT/SIGTERM/SIGHUP remove it: a failing tool leaves either the old
 * file or nothing, never a half-written one.
 *
 * Escaping: every string from the database is hostile until escaped for its format:
 *  table  control characters and invalid UTF-8 bytes shown as \n, \t, \r, \xHH;
 *  md     the same, plus Markdown punctuation backslash-escaped;
 *  (headers and notes too: their text carries labels and names, so a newline in them is
 *  shown as \n rather than starting a line the tool did not write);
 *  csv    RFC 4180: a field with , " CR or LF is quoted, quotes doubled; bytes unchanged;
 *  json   invalid UTF-8 replaced by U+FFFD (JSON must be UTF-8), cJSON escapes the rest;
 *  junit  XML-escaped, invalid UTF-8 -> U+FFFD, characters XML 1.0 forbids -> \xHH. */
#include "ptool_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PENDING 16

struct pt_out {
    pt_format fmt;
    FILE *f;          /* stdout or the temporary file */
    char *target;     /* NULL for stdout */
    char *tmp;        /* temporary file path; NULL for stdout */
    int color;
    int ntables;      /* tables written so far (csv separation, md spacing) */
    int wrote_human;  /* something written in table/md (blank-line separation) */
    cJSON *doc;       /* json: the document */
    cJSON *notes;     /* json: the notes array (attached at close) */
    char *junit;      /* junit: suites rendered so far */
    size_t junit_len;
    FILE *junit_f;    /* memstream over junit */
    int junit_tests, junit_failures;
    char *junit_out;  /* junit: notes for <system-out> */
    size_t junit_out_len;
    FILE *junit_out_f;
    int slot;         /* index in pending[], -1 for stdout */
};

static pt_out *pending[MAX_PENDING];
/* Temporary paths for the signal handler (async-signal-safe reads of stable strings). */
static char *volatile pending_tmp[MAX_PENDING];
static int handlers_installed;

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        char *p = pending_tmp[i];
        if (p)
            unlink(p);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_handlers(void)
{
    if (handlers_installed)
        return;
    handlers_installed = 1;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* keep an inherited "ignore" (nohup) */
        sigaction(sigs[i], &sa, NULL);
    }
}

/* ---- UTF-8 and escaping helpers ------------------------------------------------------ */

size_t pt__utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    unsigned cp = c & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* A growable string. */
typedef struct {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = pt_xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static char *sb_take(sbuf *b)
{
    if (!b->s)
        return pt_xstrdup("");
    return b->s;
}

char *pt__utf8_sanitize(const char *s)
{
    sbuf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = pt__utf8_seq(p);
        if (n == 0) {
            sb_str(&b, "\xef\xbf\xbd"); /* U+FFFD */
            p++;
        } else {
            sb_add(&b, (const char *)p, n);
            p += n;
        }
    }
    return sb_take(&b);
}

/* Human-safe text: control characters and invalid bytes made visible. */
static char *human_text(const char *s)
{
    sbuf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    char esc[8];
    while (*p) {
        size_t n = pt__utf8_seq(p);
        if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
            if (*p == '\n')
                sb_str(&b, "\\n");
            else if (*p == '\t')
                sb_str(&b, "\\t");
            else if (*p == '\r')
                sb_str(&b, "\\r");
            else {
                snprintf(esc, sizeof esc, "\\x%02x", *p);
                sb_str(&b, esc);
            }
            p++;
        } else if (n == 0) {
            snprintf(esc, sizeof esc, "\\x%02x", *p);
            sb_str(&b, esc);
            p++;
        } else {
            sb_add(&b, (const char *)p, n);
            p += n;
        }
    }
    return sb_take(&b);
}

/* Display width of valid UTF-8 text: code points (every character counts as one). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xc0) != 0x80)
            w++;
    return w;
}

/* Markdown-safe text (from human-safe text): punctuation that Markdown or HTML would
 * interpret is backslash-escaped; newlines (already shown as \n) stay visible. */
static char *md_text(const char *s)
{
    char *h = human_text(s);
    sbuf b = {0};
    for (const char *p = h; *p; p++) {
        if (strchr("\\|*_`[]<>#~&!", *p) && *p) {
            char e[3] = {'\\', *p, 0};
            sb_str(&b, e);
        } else {
            sb_add(&b, p, 1);
        }
    }
    free(h);
    return sb_take(&b);
}

static void csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static void xml_text(sbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    char esc[8];
    while (*p) {
        size_t n = pt__utf8_seq(p);
        if (n == 0) {
            sb_str(b, "\xef\xbf\xbd");
            p++;
            continue;
        }
        if (n == 1) {
            switch (*p) {
            case '&': sb_str(b, "&amp;"); break;
            case '<': sb_str(b, "&lt;"); break;
            case '>': sb_str(b, "&gt;"); break;
            case '"': sb_str(b, "&quot;"); break;
            case '\'': sb_str(b, "&apos;"); break;
            case '\n': sb_str(b, "&#10;"); break;
            case '\r': sb_str(b, "&#13;"); break;
            case '\t': sb_str(b, "&#9;"); break;
            default:
                if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f) {
                    snprintf(esc, sizeof esc, "\\x%02x", *p);
                    sb_str(b, esc);
                } else {
                    sb_add(b, (const char *)p, 1);
                }
            }
        } else {
            sb_add(b, (const char *)p, n);
        }
        p += n;
    }
}

/* ---- opening ------------------------------------------------------------------------- */

static int no_color_env(void)
{
    return getenv("NO_COLOR") != NULL;
}

int pt_out_open(const char *path, pt_format fmt, pt_out **out)
{
    *out = NULL;
    pt_out *o = pt_xcalloc(1, sizeof *o);
    o->fmt = fmt;
    o->slot = -1;
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        o->color = fmt == PT_FMT_TABLE && isatty(STDOUT_FILENO) && !no_color_env();
    } else {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            pt_error("cannot write %s: is a directory", path);
            free(o);
            return PT_EXIT_USAGE;
        }
        int slot = -1;
        for (int i = 0; i < MAX_PENDING; i++)
            if (!pending[i]) {
                slot = i;
                break;
            }
        if (slot < 0) {
            pt_error("cannot write %s: too many open outputs", path);
            free(o);
            return PT_EXIT_USAGE;
        }
        const char *slash = strrchr(path, '/');
        char *dir = slash ? pt_xasprintf("%.*s", (int)(slash - path + 1), path) : pt_xstrdup("");
        const char *base = slash ? slash + 1 : path;
        o->tmp = pt_xasprintf("%s.%s.XXXXXX", dir, base);
        free(dir);
        install_handlers();
        int fd = mkostemp(o->tmp, O_CLOEXEC);
        if (fd < 0) {
            pt_error("cannot write %s: %s", path, strerror(errno));
            free(o->tmp);
            free(o);
            return PT_EXIT_USAGE;
        }
        mode_t mask = umask(0);
        umask(mask);
        if (fchmod(fd, 0666 & ~mask) != 0) {
            /* keep mkostemp's 0600: safe, merely stricter */
        }
        o->f = fdopen(fd, "w");
        if (!o->f) {
            pt_error("cannot write %s: %s", path, strerror(errno));
            close(fd);
            unlink(o->tmp);
            free(o->tmp);
            free(o);
            return PT_EXIT_USAGE;
        }
        o->target = pt_xstrdup(path);
        o->slot = slot;
        pending[slot] = o;
        pending_tmp[slot] = o->tmp;
    }
    if (fmt == PT_FMT_JSON) {
        o->doc = cJSON_CreateObject();
        o->notes = cJSON_CreateArray();
        if (!o->doc || !o->notes)
            pt_die(PT_EXIT_DATA, "out of memory");
        cJSON_AddItemToObject(o->doc, "tool", cJSON_CreateString(pt_progname()));
        cJSON_AddItemToObject(o->doc, "version", cJSON_CreateString(pt_version()));
    } else if (fmt == PT_FMT_JUNIT) {
        o->junit_f = open_memstream(&o->junit, &o->junit_len);
        o->junit_out_f = open_memstream(&o->junit_out, &o->junit_out_len);
        if (!o->junit_f || !o->junit_out_f)
            pt_die(PT_EXIT_DATA, "out of memory");
    }
    *out = o;
    return 0;
}

pt_format pt_out_format(const pt_out *o)
{
    return o->fmt;
}

int pt_out_color(const pt_out *o)
{
    return o->color;
}

/* ---- free text ----------------------------------------------------------------------- */

/* A header or note line. Its text usually carries data (run labels, commands, function
 * names), so a newline in it is made visible like any control character instead of
 * breaking the line: a hostile label cannot forge a line of the report. */
static void human_lines(pt_out *o, const char *text)
{
    char *h = o->fmt == PT_FMT_TABLE ? human_text(text) : md_text(text);
    fprintf(o->f, o->fmt == PT_FMT_TABLE ? "%s\n" : "%s\n\n", h);
    free(h);
}

void pt_out_header(pt_out *o, const char *fmt, ...)
{
    if (o->fmt != PT_FMT_TABLE && o->fmt != PT_FMT_MD)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        pt_die(PT_EXIT_DATA, "out of memory");
    va_end(ap);
    human_lines(o, s);
    o->wrote_human = 1;
    free(s);
}

void pt_out_note(pt_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        pt_die(PT_EXIT_DATA, "out of memory");
    va_end(ap);
    switch (o->fmt) {
    case PT_FMT_TABLE:
    case PT_FMT_MD:
        if (o->ntables > 0 && o->fmt == PT_FMT_TABLE && o->wrote_human == 2)
            fputc('\n', o->f); /* one blank line between a table and the notes after it */
        human_lines(o, s);
        o->wrote_human = 1;
        break;
    case PT_FMT_JSON: {
        char *clean = pt__utf8_sanitize(s);
        cJSON_AddItemToArray(o->notes, cJSON_CreateString(clean));
        free(clean);
        break;
    }
    case PT_FMT_JUNIT: {
        sbuf b = {0};
        xml_text(&b, s);
        fprintf(o->junit_out_f, "%s\n", b.s ? b.s : "");
        free(b.s);
        break;
    }
    case PT_FMT_CSV:
    default:
        break;
    }
    free(s);
}

void pt_out_meta(pt_out *o, const char *key, cJSON *item)
{
    if (o->fmt != PT_FMT_JSON || !item) {
        cJSON_Delete(item);
        return;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(o->doc, key);
    cJSON_AddItemToObject(o->doc, key, item);
}

/* ---- tables -------------------------------------------------------------------------- */

static int visible(const pt_column *c, int human)
{
    return (c->flags & (human ? PT_COL_HUMAN : PT_COL_MACHINE)) != 0;
}

static int right_aligned(const pt_column *c)
{
    return c->type != PT_COL_TEXT || (c->flags & PT_COL_RIGHT);
}

static const char *mark_color(pt_mark m)
{
    switch (m) {
    case PT_MARK_HOT: return "\033[33m";
    case PT_MARK_BAD: return "\033[31m";
    case PT_MARK_GOOD: return "\033[32m";
    case PT_MARK_NONE:
    default: return NULL;
    }
}

static void pad(FILE *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc(' ', f);
}

static void render_human(pt_out *o, const pt_table *t)
{
    int md = o->fmt == PT_FMT_MD;
    int nc = t->ncols;
    size_t nr = t->nrows;
    /* Texts of every visible cell, escaped for the format; [0] row is the header. */
    char **txt = pt_xcalloc((nr + 1) * (size_t)(nc ? nc : 1), sizeof *txt);
    size_t *width = pt_xcalloc((size_t)(nc ? nc : 1), sizeof *width);
    int last = -1;
    for (int c = 0; c < nc; c++)
        if (visible(&t->cols[c], 1))
            last = c;
    for (int c = 0; c < nc; c++) {
        if (!visible(&t->cols[c], 1))
            continue;
        for (size_t r = 0; r <= nr; r++) {
            char *raw = r == 0 ? pt_xstrdup(t->cols[c].title)
                               : pt__cell_human(&t->cols[c], &t->rows[r - 1].cells[c]);
            char *e = md ? md_text(raw) : human_text(raw);
            free(raw);
            txt[r * (size_t)nc + (size_t)c] = e;
            size_t w = text_width(e);
            if (w > width[c])
                width[c] = w;
        }
    }
    if (md && o->wrote_human)
        ; /* human_lines already left a blank line */
    else if (o->wrote_human || o->ntables > 0)
        fputc('\n', o->f);
    for (size_t r = 0; r <= nr; r++) {
        const char *col = NULL;
        if (o->color)
            col = r == 0 ? "\033[1m" : mark_color(t->rows[r - 1].mark);
        if (col)
            fputs(col, o->f);
        if (md)
            fputs("|", o->f);
        int first = 1;
        for (int c = 0; c < nc; c++) {
            if (!visible(&t->cols[c], 1))
                continue;
            const char *s = txt[r * (size_t)nc + (size_t)c];
            size_t w = text_width(s);
            if (md) {
                fprintf(o->f, " %s |", s);
                continue;
            }
            if (!first)
                fputs("  ", o->f);
            first = 0;
            if (right_aligned(&t->cols[c])) {
                pad(o->f, width[c] - w);
                fputs(s, o->f);
            } else {
                fputs(s, o->f);
                if (c != last)
                    pad(o->f, width[c] - w);
            }
        }
        if (col)
            fputs("\033[0m", o->f);
        fputc('\n', o->f);
        if (md && r == 0) {
            fputs("|", o->f);
            for (int c = 0; c < nc; c++)
                if (visible(&t->cols[c], 1))
                    fputs(right_aligned(&t->cols[c]) ? " ---: |" : " :--- |", o->f);
            fputc('\n', o->f);
        }
    }
    if (md)
        fputc('\n', o->f);
    for (size_t i = 0; i < (nr + 1) * (size_t)nc; i++)
        free(txt[i]);
    free(txt);
    free(width);
    o->wrote_human = 2;
}

static void render_csv(pt_out *o, const pt_table *t)
{
    if (o->ntables > 0)
        fputc('\n', o->f);
    int first = 1;
    for (int c = 0; c < t->ncols; c++) {
        if (!visible(&t->cols[c], 0))
            continue;
        if (!first)
            fputc(',', o->f);
        first = 0;
        csv_field(o->f, t->cols[c].key);
    }
    fputs("\r\n", o->f);
    for (size_t r = 0; r < t->nrows; r++) {
        first = 1;
        for (int c = 0; c < t->ncols; c++) {
            if (!visible(&t->cols[c], 0))
                continue;
            if (!first)
                fputc(',', o->f);
            first = 0;
            char *s = pt__cell_machine(&t->cols[c], &t->rows[r].cells[c]);
            csv_field(o->f, s);
            free(s);
        }
        fputs("\r\n", o->f);
    }
}

static cJSON *json_cell(const pt_column *c, const pt_cell *cell)
{
    (void)c;
    switch (cell->kind) {
    case PT_CELL_TEXT: {
        char *clean = pt__utf8_sanitize(cell->s);
        cJSON *j = cJSON_CreateString(clean);
        free(clean);
        return j;
    }
    case PT_CELL_INT:
        return cJSON_CreateNumber((double)cell->i);
    case PT_CELL_REAL:
        return isfinite(cell->d) ? cJSON_CreateNumber(cell->d) : cJSON_CreateNull();
    case PT_CELL_NULL:
    default:
        return cJSON_CreateNull();
    }
}

static void render_json(pt_out *o, const pt_table *t)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        pt_die(PT_EXIT_DATA, "out of memory");
    for (size_t r = 0; r < t->nrows; r++) {
        cJSON *obj = cJSON_CreateObject();
        if (!obj)
            pt_die(PT_EXIT_DATA, "out of memory");
        for (int c = 0; c < t->ncols; c++)
            if (visible(&t->cols[c], 0))
                cJSON_AddItemToObject(obj, t->cols[c].key,
                                      json_cell(&t->cols[c], &t->rows[r].cells[c]));
        cJSON_AddItemToArray(arr, obj);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(o->doc, t->name);
    cJSON_AddItemToObject(o->doc, t->name, arr);
}

static void render_junit(pt_out *o, const pt_table *t)
{
    int key = -1;
    for (int c = 0; c < t->ncols; c++)
        if (t->cols[c].flags & PT_COL_KEY) {
            key = c;
            break;
        }
    if (key < 0)
        for (int c = 0; c < t->ncols; c++)
            if (t->cols[c].type == PT_COL_TEXT && visible(&t->cols[c], 0)) {
                key = c;
                break;
            }
    size_t failures = 0;
    for (size_t r = 0; r < t->nrows; r++)
        failures += t->rows[r].mark == PT_MARK_BAD;
    sbuf b = {0};
    char num[64];
    sb_str(&b, "  <testsuite name=\"");
    xml_text(&b, t->name);
    snprintf(num, sizeof num, "\" tests=\"%zu\" failures=\"%zu\">\n", t->nrows, failures);
    sb_str(&b, num);
    for (size_t r = 0; r < t->nrows; r++) {
        const pt_row *row = &t->rows[r];
        char *name = key >= 0 ? pt__cell_machine(&t->cols[key], &row->cells[key]) : NULL;
        if (!name)
            name = pt_xasprintf("row %zu", r + 1);
        sb_str(&b, "    <testcase classname=\"");
        xml_text(&b, pt_progname());
        sb_str(&b, ".");
        xml_text(&b, t->name);
        sb_str(&b, "\" name=\"");
        xml_text(&b, name);
        sb_str(&b, "\">");
        if (row->mark == PT_MARK_BAD) {
            sb_str(&b, "\n      <failure message=\"");
            xml_text(&b, row->message ? row->message : "failed");
            sb_str(&b, "\">");
            for (int c = 0; c < t->ncols; c++) {
                if (!visible(&t->cols[c], 0))
                    continue;
                char *v = pt__cell_machine(&t->cols[c], &row->cells[c]);
                xml_text(&b, t->cols[c].key);
                sb_str(&b, "=");
                xml_text(&b, v ? v : "null");
                sb_str(&b, "\n");
                free(v);
            }
            sb_str(&b, "</failure>\n    ");
        }
        sb_str(&b, "</testcase>\n");
        free(name);
    }
    sb_str(&b, "  </testsuite>\n");
    fputs(b.s, o->junit_f);
    free(b.s);
    o->junit_tests += (int)t->nrows;
    o->junit_failures += (int)failures;
}

int pt_out_table(pt_out *o, const pt_table *t)
{
    switch (o->fmt) {
    case PT_FMT_TABLE:
    case PT_FMT_MD:
        render_human(o, t);
        break;
    case PT_FMT_CSV:
        render_csv(o, t);
        break;
    case PT_FMT_JSON:
        render_json(o, t);
        break;
    case PT_FMT_JUNIT:
        render_junit(o, t);
        break;
    }
    o->ntables++;
    if (ferror(o->f)) {
        pt_error("cannot write %s: %s", o->target ? o->target : "standard output",
                 strerror(errno));
        return PT_EXIT_USAGE;
    }
    return 0;
}

/* ---- closing ------------------------------------------------------------------------- */

static void unregister(pt_out *o)
{
    if (o->slot >= 0) {
        pending_tmp[o->slot] = NULL;
        pending[o->slot] = NULL;
        o->slot = -1;
    }
}

static void out_free(pt_out *o)
{
    cJSON_Delete(o->doc);
    cJSON_Delete(o->notes);
    if (o->junit_f)
        fclose(o->junit_f);
    if (o->junit_out_f)
        fclose(o->junit_out_f);
    free(o->junit);
    free(o->junit_out);
    free(o->target);
    free(o->tmp);
    free(o);
}

FILE *pt_out_stream(pt_out *o)
{
    return o->f;
}

int pt_out_close(pt_out *o)
{
    if (!o)
        return 0;
    if (o->fmt == PT_FMT_JSON) {
        cJSON_AddItemToObject(o->doc, "notes", o->notes);
        o->notes = NULL;
        char *s = cJSON_Print(o->doc);
        if (!s)
            pt_die(PT_EXIT_DATA, "out of memory");
        fputs(s, o->f);
        fputc('\n', o->f);
        cJSON_free(s);
    } else if (o->fmt == PT_FMT_JUNIT) {
        fflush(o->junit_f);
        fflush(o->junit_out_f);
        fprintf(o->f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sbuf b = {0};
        xml_text(&b, pt_progname());
        fprintf(o->f, "<testsuites name=\"%s\" tests=\"%d\" failures=\"%d\">\n", b.s,
                o->junit_tests, o->junit_failures);
        free(b.s);
        fputs(o->junit ? o->junit : "", o->f);
        if (o->junit_out && o->junit_out_len)
            fprintf(o->f, "  <system-out>%s</system-out>\n", o->junit_out);
        fputs("</testsuites>\n", o->f);
    }
    int failed = 0, err = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) {
        failed = 1;
        err = errno;
    }
    if (o->tmp) {
        if (!failed && fsync(fileno(o->f)) != 0 && errno != EINVAL) {
            failed = 1;
            err = errno;
        }
        if (fclose(o->f) != 0 && !failed) {
            failed = 1;
            err = errno;
        }
        if (!failed && rename(o->tmp, o->target) != 0) {
            failed = 1;
            err = errno;
        }
        if (failed)
            unlink(o->tmp);
    }
    if (failed)
        pt_error("cannot write %s: %s", o->target ? o->target : "standard output",
                 strerror(err ? err : EIO));
    unregister(o);
    out_free(o);
    return failed ? PT_EXIT_USAGE : 0;
}

void pt_out_abort(pt_out *o)
{
    if (!o)
        return;
    if (o->tmp) {
        fclose(o->f);
        unlink(o->tmp);
    } else {
        fflush(o->f);
    }
    unregister(o);
    out_free(o);
}

void pt__out_abort_all(void)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (pending[i])
            pt_out_abort(pending[i]);
    fflush(stdout);
}

/* Contract in ptool.h. */
void pt_out_raw(pt_out *o, const char *data, size_t len)
{
    fwrite(data, 1, len, o->f); /* a short write leaves ferror set: pt_out_close reports it */
}
