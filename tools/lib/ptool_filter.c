/* tools/lib/ptool_filter.c: --filter/--exclude PCRE2 patterns on function names, and the
 * two textual forms of a function the patterns are tried on ("name" and the pstats
 * location "file:line(name)").
 *
 * Patterns are compiled as UTF-8 with PCRE2_MATCH_INVALID_UTF, so a function name that
 * is not valid UTF-8 is matched as far as it is valid instead of failing. A function
 * passes when (no include pattern or any include pattern matches) and no exclude pattern
 * matches; several --filter options therefore widen the selection. */
#include "ptool_internal.h"

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include <stdlib.h>
#include <string.h>

typedef struct pt_pattern {
    pcre2_code *code;
    int exclude;
} pt_pattern;

struct pt_filter {
    pt_pattern *pat;
    size_t n, cap;
    size_t includes;
    pcre2_match_data *md;
};

int pt_filter_add(pt_filter **fp, const char *opt, const char *pattern, int exclude)
{
    int err = 0;
    PCRE2_SIZE off = 0;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &off, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(err, msg, sizeof msg) < 0)
            strcpy((char *)msg, "unknown error");
        pt_error("%s: bad pattern '%s' at offset %zu: %s", opt, pattern, (size_t)off,
                 (const char *)msg);
        return PT_EXIT_USAGE;
    }
    /* No JIT: names are few, the interpreter is fast enough, and JIT code reads past the
     * subject in ways memcheck reports (make check-valgrind must stay clean). */
    pt_filter *f = *fp;
    if (!f) {
        f = pt_xcalloc(1, sizeof *f);
        f->md = pcre2_match_data_create(1, NULL);
        if (!f->md)
            pt_die(PT_EXIT_DATA, "out of memory");
        *fp = f;
    }
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 4;
        f->pat = pt_xrealloc(f->pat, f->cap * sizeof *f->pat);
    }
    f->pat[f->n].code = code;
    f->pat[f->n].exclude = exclude != 0;
    f->n++;
    if (!exclude)
        f->includes++;
    return 0;
}

static int matches(const pt_filter *f, const pcre2_code *code, const char *s)
{
    return pcre2_match(code, (PCRE2_SPTR)s, strlen(s), 0, 0, f->md, NULL) >= 0;
}

int pt_filter_match(const pt_filter *f, const char *name, const char *file, int64_t line)
{
    if (!f || f->n == 0)
        return 1;
    if (!name)
        name = "";
    char *loc = pt_func_location(name, file, line);
    int included = f->includes == 0, excluded = 0;
    for (size_t i = 0; i < f->n && !excluded; i++) {
        if (!f->pat[i].exclude && included)
            continue;
        int m = matches(f, f->pat[i].code, name) || matches(f, f->pat[i].code, loc);
        if (m && f->pat[i].exclude)
            excluded = 1;
        else if (m)
            included = 1;
    }
    free(loc);
    return included && !excluded;
}

void pt_filter_free(pt_filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        pcre2_code_free(f->pat[i].code);
    pcre2_match_data_free(f->md);
    free(f->pat);
    free(f);
}

char *pt_func_location(const char *name, const char *file, int64_t line)
{
    if (!file || !*file)
        return pt_xasprintf("~:0(%s)", name ? name : "");
    return pt_xasprintf("%s:%lld(%s)", file, (long long)line, name ? name : "");
}

char *pt_func_label(const char *name, const char *file, int64_t line)
{
    if (!file || !*file)
        return pt_xstrdup(name ? name : "");
    if (line > 0)
        return pt_xasprintf("%s (%s:%lld)", name ? name : "", file, (long long)line);
    return pt_xasprintf("%s (%s)", name ? name : "", file);
}
