/* tools/lib/export_pprof.c: pprof's profile.proto from a run's calling-context tree
 * (exp_write_pprof in export.h), encoded with protobuf-c from proto/profile.proto
 * (generated at build time) and gzip-compressed with zlib, as pprof expects.
 *
 * Mapping: sample types [calls/count, self/nanoseconds, total/nanoseconds], default
 * "self"; one Sample per call path (stack = the path's functions, leaf first) with the
 * path's exact calls, self and inclusive time; one Function and one Location per pscope
 * function (name, file, start line). pprof adds a sample's values to every frame of its
 * stack, so its cumulative "self" column is the inclusive time with recursion counted
 * once per path; the "total" values are the per-path inclusive times as stored (summing
 * them over nested paths counts time twice: read them per sample, pprof -traces). */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "profile.pb-c.h"
#include "ptool_internal.h"

/* The string table with interning (open addressing over indexes + 1). */
typedef struct strtab {
    char **s;
    size_t n, cap;
    size_t *slot;
    size_t nslot;
} strtab;

static size_t str_hash(const char *s)
{
    size_t h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

static void strtab_rehash(strtab *t)
{
    free(t->slot);
    t->nslot = t->nslot ? t->nslot * 2 : 256;
    t->slot = pt_xcalloc(t->nslot, sizeof *t->slot);
    for (size_t i = 0; i < t->n; i++) {
        size_t j = str_hash(t->s[i]) & (t->nslot - 1);
        while (t->slot[j])
            j = (j + 1) & (t->nslot - 1);
        t->slot[j] = i + 1;
    }
}

/* Index of s in the table (added on first use, as valid UTF-8). NULL gives 0 (""). */
static int64_t strtab_get(strtab *t, const char *raw)
{
    if (!raw)
        return 0;
    char *s = pt__utf8_sanitize(raw);
    if ((t->n + 1) * 2 > t->nslot)
        strtab_rehash(t);
    size_t j = str_hash(s) & (t->nslot - 1);
    for (; t->slot[j]; j = (j + 1) & (t->nslot - 1))
        if (strcmp(t->s[t->slot[j] - 1], s) == 0) {
            free(s);
            return (int64_t)(t->slot[j] - 1);
        }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->s = pt_xrealloc(t->s, t->cap * sizeof *t->s);
    }
    t->s[t->n] = s;
    t->slot[j] = t->n + 1;
    return (int64_t)t->n++;
}

/* gzip `data` and write it to f. Returns 0 or -1. */
static int write_gzip(FILE *f, const uint8_t *data, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uint8_t out[65536];
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    int zrc;
    do {
        z.next_out = out;
        z.avail_out = sizeof out;
        zrc = deflate(&z, Z_FINISH);
        if (zrc == Z_STREAM_ERROR)
            break;
        fwrite(out, 1, sizeof out - z.avail_out, f);
    } while (zrc != Z_STREAM_END);
    deflateEnd(&z);
    return zrc == Z_STREAM_END ? 0 : -1;
}

int exp_write_pprof(FILE *f, const pt_run *run, const exp_profile *p)
{
    if (p->npaths > UINT32_MAX || p->nfuncs > UINT32_MAX) {
        pt_error("run %lld: too large for one pprof message", (long long)run->id);
        return PT_EXIT_DATA;
    }
    strtab st = {0};
    strtab_get(&st, "");
    Perftools__Profiles__Profile prof = PERFTOOLS__PROFILES__PROFILE__INIT;

    static const char *const types[3][2] = {
        {"calls", "count"}, {"self", "nanoseconds"}, {"total", "nanoseconds"}};
    Perftools__Profiles__ValueType vt[3], *vtp[3], period_type = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
    for (int i = 0; i < 3; i++) {
        perftools__profiles__value_type__init(&vt[i]);
        vt[i].type = strtab_get(&st, types[i][0]);
        vt[i].unit = strtab_get(&st, types[i][1]);
        vtp[i] = &vt[i];
    }
    prof.n_sample_type = 3;
    prof.sample_type = vtp;
    prof.default_sample_type = vt[1].type;
    period_type.type = vt[1].type;
    period_type.unit = vt[1].unit;
    prof.period_type = &period_type;
    prof.period = 1;
    prof.time_nanos = run->started_wall;
    prof.duration_nanos = run->dur;
    char *comment = pt_xasprintf("pscope run %lld%s%s: exact call-path aggregates, not samples",
                                 (long long)run->id, run->command ? " · " : "",
                                 run->command ? run->command : "");
    int64_t comment_idx = strtab_get(&st, comment);
    free(comment);
    prof.n_comment = 1;
    prof.comment = &comment_idx;

    /* Functions and their entry locations: id = index + 1. */
    size_t nf = p->nfuncs;
    Perftools__Profiles__Function *fn = pt_xcalloc(nf + 1, sizeof *fn);
    Perftools__Profiles__Function **fnp = pt_xcalloc(nf + 1, sizeof *fnp);
    Perftools__Profiles__Location *loc = pt_xcalloc(nf + 1, sizeof *loc);
    Perftools__Profiles__Location **locp = pt_xcalloc(nf + 1, sizeof *locp);
    Perftools__Profiles__Line *line = pt_xcalloc(nf + 1, sizeof *line);
    Perftools__Profiles__Line **linep = pt_xcalloc(nf + 1, sizeof *linep);
    for (size_t i = 0; i < nf; i++) {
        const exp_func *e = &p->funcs[i];
        perftools__profiles__function__init(&fn[i]);
        fn[i].id = i + 1;
        fn[i].name = strtab_get(&st, e->name);
        fn[i].system_name = fn[i].name;
        fn[i].filename = strtab_get(&st, e->file ? e->file : e->module);
        fn[i].start_line = e->line;
        fnp[i] = &fn[i];
        perftools__profiles__line__init(&line[i]);
        line[i].function_id = i + 1;
        line[i].line = e->line;
        linep[i] = &line[i];
        perftools__profiles__location__init(&loc[i]);
        loc[i].id = i + 1;
        loc[i].n_line = 1;
        loc[i].line = &linep[i];
        locp[i] = &loc[i];
    }
    prof.n_function = nf;
    prof.function = fnp;
    prof.n_location = nf;
    prof.location = locp;

    /* Samples: one per call path ending in a kept function. */
    size_t ns = 0;
    Perftools__Profiles__Sample *sm = pt_xcalloc(p->npaths + 1, sizeof *sm);
    Perftools__Profiles__Sample **smp = pt_xcalloc(p->npaths + 1, sizeof *smp);
    int64_t *values = pt_xcalloc(3 * (p->npaths + 1), sizeof *values);
    uint64_t **stacks = pt_xcalloc(p->npaths + 1, sizeof *stacks);
    for (size_t i = 0; i < p->npaths; i++) {
        const exp_path *c = &p->paths[i];
        if (!p->funcs[c->func].keep || (c->calls == 0 && c->self_dur == 0 && c->total_dur == 0))
            continue;
        size_t depth = 0;
        for (long k = (long)i; k >= 0; k = p->paths[k].parent)
            depth++;
        uint64_t *stack = pt_xmalloc(depth * sizeof *stack);
        size_t d = 0;
        for (long k = (long)i; k >= 0; k = p->paths[k].parent)
            stack[d++] = p->paths[k].func + 1;
        perftools__profiles__sample__init(&sm[ns]);
        sm[ns].n_location_id = depth;
        sm[ns].location_id = stack;
        stacks[ns] = stack;
        values[3 * ns] = c->calls;
        values[3 * ns + 1] = c->self_dur;
        values[3 * ns + 2] = c->total_dur;
        sm[ns].n_value = 3;
        sm[ns].value = &values[3 * ns];
        smp[ns] = &sm[ns];
        ns++;
    }
    prof.n_sample = ns;
    prof.sample = smp;
    prof.n_string_table = st.n;
    prof.string_table = st.s;

    size_t len = perftools__profiles__profile__get_packed_size(&prof);
    uint8_t *buf = pt_xmalloc(len + 1);
    perftools__profiles__profile__pack(&prof, buf);
    int rc = 0;
    if (write_gzip(f, buf, len) != 0) {
        pt_error("run %lld: gzip compression failed", (long long)run->id);
        rc = PT_EXIT_DATA;
    }
    free(buf);
    for (size_t i = 0; i < ns; i++)
        free(stacks[i]);
    free(stacks);
    free(values);
    free(smp);
    free(sm);
    free(fn);
    free(fnp);
    free(loc);
    free(locp);
    free(line);
    free(linep);
    for (size_t i = 0; i < st.n; i++)
        free(st.s[i]);
    free(st.s);
    free(st.slot);
    return rc;
}
