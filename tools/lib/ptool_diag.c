/* tools/lib/ptool_diag.c: diagnostics, allocation that never returns NULL, and the
 * parsing of command-line values shared by every tool (integers, reals, --format, key
 * lists such as --sort). Every message goes to stderr, one line, prefixed with the tool's
 * name; usage problems return PT_EXIT_USAGE (see ptool.h). */
#include "ptool_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pscope.h"

static const char *progname = "pscope";

void pt_init(const char *name)
{
    if (!name || !*name)
        return;
    const char *slash = strrchr(name, '/');
    progname = slash && slash[1] ? slash + 1 : name;
}

const char *pt_progname(void)
{
    return progname;
}

const char *pt_version(void)
{
    return PSCOPE_VERSION;
}

static void vmessage(const char *kind, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "%s: %s", progname, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void pt_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("warning: ", fmt, ap);
    va_end(ap);
}

void pt_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("", fmt, ap);
    va_end(ap);
}

void pt_die(int code, const char *fmt, ...)
{
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vmessage("", fmt, ap);
        va_end(ap);
    }
    pt__out_abort_all();
    exit(code);
}

/* Contract in ptool.h. */
void pt_die_usage(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pt_die(PT_EXIT_USAGE, "%s\nTry '%s --help' for more information.", msg, pt_progname());
}

static _Noreturn void oom(void)
{
    pt_die(PT_EXIT_DATA, "out of memory");
}

void *pt_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *pt_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *pt_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *pt_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        oom();
    return d;
}

char *pt_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    return s;
}

int pt_parse_int(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi) {
        pt_error("%s: expected an integer in %lld..%lld, got '%s'", opt, (long long)lo,
                 (long long)hi, s ? s : "");
        return PT_EXIT_USAGE;
    }
    *out = v;
    return 0;
}

int pt_parse_real(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || errno || !isfinite(v) || v < lo || v > hi) {
        pt_error("%s: expected a number in %g..%g, got '%s'", opt, lo, hi, s ? s : "");
        return PT_EXIT_USAGE;
    }
    *out = v;
    return 0;
}

int pt_format_parse(const char *s, int allow_junit, pt_format *out)
{
    static const struct { const char *name; pt_format f; } names[] = {
        {"table", PT_FMT_TABLE}, {"csv", PT_FMT_CSV}, {"json", PT_FMT_JSON},
        {"md", PT_FMT_MD},       {"junit", PT_FMT_JUNIT},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].f == PT_FMT_JUNIT && !allow_junit)
            continue;
        if (s && strcmp(s, names[i].name) == 0) {
            *out = names[i].f;
            return 0;
        }
    }
    pt_error("--format: unknown format '%s' (one of: table, csv, json, md%s)", s ? s : "",
             allow_junit ? ", junit" : "");
    return PT_EXIT_USAGE;
}

int pt_keys_parse(const char *opt, const char *list, const char *const *keys, size_t nkeys,
                  int *out, size_t max_out, size_t *n_out)
{
    *n_out = 0;
    const char *p = list ? list : "";
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0) {
            pt_error("%s: empty key in '%s'", opt, list ? list : "");
            return PT_EXIT_USAGE;
        }
        int found = -1, matches = 0;
        for (size_t k = 0; k < nkeys; k++) {
            if (strncmp(keys[k], p, len) != 0)
                continue;
            if (keys[k][len] == '\0') { /* exact match wins */
                found = (int)k;
                matches = 1;
                break;
            }
            if (matches++ == 0)
                found = (int)k;
        }
        if (matches == 0) {
            char all[512] = "";
            for (size_t k = 0; k < nkeys; k++) {
                strncat(all, keys[k], sizeof all - strlen(all) - 1);
                if (k + 1 < nkeys)
                    strncat(all, ", ", sizeof all - strlen(all) - 1);
            }
            pt_error("%s: unknown key '%.*s' (one of: %s)", opt, (int)len, p, all);
            return PT_EXIT_USAGE;
        }
        if (matches > 1) {
            char cands[512] = "";
            for (size_t k = 0; k < nkeys; k++) {
                if (strncmp(keys[k], p, len) != 0)
                    continue;
                if (*cands)
                    strncat(cands, ", ", sizeof cands - strlen(cands) - 1);
                strncat(cands, keys[k], sizeof cands - strlen(cands) - 1);
            }
            pt_error("%s: '%.*s' is ambiguous (%s)", opt, (int)len, p, cands);
            return PT_EXIT_USAGE;
        }
        if (*n_out >= max_out) {
            pt_error("%s: at most %zu keys", opt, max_out);
            return PT_EXIT_USAGE;
        }
        out[(*n_out)++] = found;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}
