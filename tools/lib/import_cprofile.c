/* tools/lib/import_cprofile.c: pscope-import's reader of cProfile/pstats files
 * (imp_read_cprofile in import.h): `python3 -m cProfile -o out.prof` and
 * pstats.Stats.dump_stats write Python's marshal serialisation of one dict
 *
 *   {(file, line, name): (cc, nc, tt, ct, {(file, line, name): (nc, cc, tt, ct), ...})}
 *
 * with cc the primitive (non-recursive) calls, nc all calls, tt the time inside the function
 * itself and ct the cumulative time, in seconds; the inner dict holds, per caller, the
 * callee's figures for calls from that caller (note nc before cc there, as cProfile writes
 * them). Built-ins have file "~" and line 0.
 *
 * The marshal reader here handles the object types such a dict can contain (None, bools,
 * ints of every size, floats in both encodings, every string form, tuples, lists, dicts,
 * sets, back-references) and refuses the rest (code objects, ...) with the offset. Every
 * length is checked against the bytes left before anything is allocated, and nesting is
 * bounded, so a hostile file costs at most a few times its size in memory.
 */
#include "import.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ptool.h"

#define MV_MAX_NEST 64

typedef struct mv {
    char kind; /* 'n' none, 'b' bool, 'i' int, 'f' float, 's' string/bytes, 't' tuple/list/set, 'd' dict */
    int64_t i;
    double f;
    const char *s; /* into the input, not NUL-terminated */
    size_t len;    /* string bytes, or items (a dict: 2 per entry, key then value) */
    struct mv **items;
} mv;

typedef struct mreader {
    const uint8_t *p;
    size_t size, pos;
    const char *path;
    mv **all; /* every node, for freeing */
    size_t nall, capall;
    mv **refs;
    size_t nrefs, caprefs;
    char err[160];
    size_t err_off;
} mreader;

static int mfail(mreader *r, const char *msg)
{
    if (!r->err[0]) {
        snprintf(r->err, sizeof r->err, "%s", msg);
        r->err_off = r->pos;
    }
    return -1;
}

static mv *mnew(mreader *r, char kind)
{
    if (r->nall == r->capall) {
        r->capall = r->capall ? r->capall * 2 : 256;
        r->all = pt_xrealloc(r->all, r->capall * sizeof *r->all);
    }
    mv *v = pt_xcalloc(1, sizeof *v);
    v->kind = kind;
    r->all[r->nall++] = v;
    return v;
}

static int need(mreader *r, size_t n)
{
    return r->size - r->pos >= n ? 0 : mfail(r, "truncated marshal data");
}

static int32_t rd_i32(mreader *r)
{
    const uint8_t *b = r->p + r->pos;
    r->pos += 4;
    return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
}

/* A non-negative 32-bit length no larger than the bytes left divided by `unit`. */
static int rd_len(mreader *r, size_t unit, size_t *out)
{
    if (need(r, 4))
        return -1;
    int32_t n = rd_i32(r);
    if (n < 0 || (size_t)n > (r->size - r->pos) / unit)
        return mfail(r, "length out of range");
    *out = (size_t)n;
    return 0;
}

/* A length: one byte (short forms) or a 32-bit one, at most the bytes left. */
static int rd_size(mreader *r, int one_byte, size_t *out)
{
    if (!one_byte)
        return rd_len(r, 1, out);
    if (need(r, 1))
        return -1;
    *out = r->p[r->pos++];
    return need(r, *out);
}

static mv *mread(mreader *r, int depth);

/* Read n items into v (a tuple-like container). */
static int mread_items(mreader *r, mv *v, size_t n, int depth)
{
    v->items = pt_xcalloc(n + 1, sizeof *v->items);
    v->len = n;
    for (size_t i = 0; i < n; i++)
        if (!(v->items[i] = mread(r, depth + 1)))
            return -1;
    return 0;
}

static mv *mread(mreader *r, int depth)
{
    if (depth > MV_MAX_NEST) {
        mfail(r, "nesting too deep");
        return NULL;
    }
    if (need(r, 1))
        return NULL;
    uint8_t code = r->p[r->pos++];
    int flag = code & 0x80;
    code &= 0x7f;
    size_t slot = 0;
    if (flag) { /* reserve the reference slot before the children (marshal's order) */
        if (r->nrefs == r->caprefs) {
            r->caprefs = r->caprefs ? r->caprefs * 2 : 64;
            r->refs = pt_xrealloc(r->refs, r->caprefs * sizeof *r->refs);
        }
        slot = r->nrefs;
        r->refs[r->nrefs++] = NULL;
    }
    mv *v = NULL;
    size_t n;
    switch (code) {
    case 'N':
        v = mnew(r, 'n');
        break;
    case 'T':
    case 'F':
        v = mnew(r, 'b');
        v->i = code == 'T';
        break;
    case 'i':
        if (need(r, 4))
            return NULL;
        v = mnew(r, 'i');
        v->i = rd_i32(r);
        v->f = (double)v->i;
        break;
    case 'I':
        if (need(r, 8))
            return NULL;
        v = mnew(r, 'i');
        {
            uint64_t lo = (uint32_t)rd_i32(r), hi = (uint32_t)rd_i32(r);
            v->i = (int64_t)(lo | hi << 32);
        }
        v->f = (double)v->i;
        break;
    case 'l': { /* |n| base-2^15 digits, least significant first; sign of n */
        if (need(r, 4))
            return NULL;
        int32_t sn = rd_i32(r);
        if (sn == INT32_MIN) {
            mfail(r, "bad long");
            return NULL;
        }
        size_t nd = (size_t)(sn < 0 ? -sn : sn);
        if (nd > (r->size - r->pos) / 2) {
            mfail(r, "length out of range");
            return NULL;
        }
        double f = 0.0, scale = 1.0;
        uint64_t u = 0;
        int overflow = 0;
        for (size_t k = 0; k < nd; k++) {
            unsigned d = (unsigned)r->p[r->pos] | (unsigned)r->p[r->pos + 1] << 8;
            r->pos += 2;
            if (d >= 32768) {
                mfail(r, "bad long digit");
                return NULL;
            }
            f += d * scale;
            scale *= 32768.0;
            if (k < 5)
                u |= (uint64_t)d << (15 * k);
            if ((k == 4 && d >> 3) || (k > 4 && d))
                overflow = 1;
        }
        v = mnew(r, overflow || u > (uint64_t)INT64_MAX ? 'f' : 'i');
        v->f = sn < 0 ? -f : f;
        v->i = v->kind == 'i' ? (sn < 0 ? -(int64_t)u : (int64_t)u) : 0;
        break;
    }
    case 'g':
        if (need(r, 8))
            return NULL;
        v = mnew(r, 'f');
        memcpy(&v->f, r->p + r->pos, 8); /* IEEE little-endian, as marshal writes */
        r->pos += 8;
        break;
    case 'f': {
        if (need(r, 1))
            return NULL;
        n = r->p[r->pos++];
        if (need(r, n))
            return NULL;
        char buf[260];
        memcpy(buf, r->p + r->pos, n);
        buf[n] = '\0';
        r->pos += n;
        char *end;
        v = mnew(r, 'f');
        v->f = strtod(buf, &end);
        if (*end) {
            mfail(r, "bad float text");
            return NULL;
        }
        break;
    }
    case 'y':
        if (need(r, 16))
            return NULL;
        r->pos += 16;
        v = mnew(r, 'n'); /* complex: not a pstats value */
        break;
    case 's':
    case 't':
    case 'u':
    case 'a':
    case 'A':
    case 'z': /* short forms: a one-byte length */
    case 'Z':
        if (rd_size(r, code == 'z' || code == 'Z', &n))
            return NULL;
        v = mnew(r, 's');
        v->s = (const char *)r->p + r->pos;
        v->len = n;
        r->pos += n;
        break;
    case ')': /* small tuple: a one-byte count */
    case '(':
    case '[':
    case '<':
    case '>':
        if (rd_size(r, code == ')', &n))
            return NULL;
        v = mnew(r, 't');
        if (flag)
            r->refs[slot] = v;
        if (mread_items(r, v, n, depth))
            return NULL;
        break;
    case '{': {
        v = mnew(r, 'd');
        if (flag)
            r->refs[slot] = v;
        size_t cap = 0;
        for (;;) {
            if (need(r, 1))
                return NULL;
            if (r->p[r->pos] == '0') {
                r->pos++;
                break;
            }
            if (v->len + 2 > cap) {
                cap = cap ? cap * 2 : 16;
                v->items = pt_xrealloc(v->items, cap * sizeof *v->items);
            }
            mv *k = mread(r, depth + 1);
            if (!k)
                return NULL;
            v->items[v->len++] = k;
            mv *val = mread(r, depth + 1);
            if (!val)
                return NULL;
            v->items[v->len++] = val;
        }
        break;
    }
    case 'r': {
        if (need(r, 4))
            return NULL;
        int32_t idx = rd_i32(r);
        if (idx < 0 || (size_t)idx >= r->nrefs || !r->refs[idx]) {
            mfail(r, "bad back-reference");
            return NULL;
        }
        return r->refs[idx];
    }
    default: {
        char msg[64];
        snprintf(msg, sizeof msg, "unsupported marshal type 0x%02x", code);
        r->pos--;
        mfail(r, msg);
        return NULL;
    }
    }
    if (flag)
        r->refs[slot] = v;
    return v;
}

static double num(const mv *v)
{
    return v->kind == 'i' ? (double)v->i : v->kind == 'f' ? v->f : NAN;
}

static int64_t sec_to_ns(double s)
{
    double ns = s * 1e9;
    if (!isfinite(ns) || ns < 0)
        return 0;
    return ns > (double)IMP_MAX_TIME_NS ? IMP_MAX_TIME_NS : (int64_t)llround(ns);
}

/* The function of a pstats key (file, line, name); -1 when the key is malformed. */
static long key_function(imp_builder *b, const mv *k)
{
    if (k->kind != 't' || k->len != 3 || k->items[0]->kind != 's' || k->items[1]->kind != 'i' ||
        k->items[2]->kind != 's')
        return -1;
    char *file = pt_xasprintf("%.*s", (int)k->items[0]->len, k->items[0]->s);
    char *name = pt_xasprintf("%.*s", (int)k->items[2]->len, k->items[2]->s);
    int builtin = strcmp(file, "~") == 0;
    long fn = imp_function(b, name, NULL, builtin ? NULL : file, builtin ? 0 : k->items[1]->i, 0, 0);
    free(file);
    free(name);
    return fn;
}

/* A tuple of at least n numbers (ints or floats) first. */
static int numeric_tuple(const mv *v, size_t n)
{
    if (v->kind != 't' || v->len < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (isnan(num(v->items[i])))
            return 0;
    return 1;
}

int imp_read_cprofile(imp_builder *b, const uint8_t *data, size_t size, const char *path)
{
    mreader r = {0};
    r.p = data;
    r.size = size;
    r.path = path;
    int rc = 0;
    mv *top = mread(&r, 0);
    if (!top) {
        pt_error("%s: offset %zu: %s", path, r.err_off, r.err);
        rc = PT_EXIT_DATA;
    } else if (top->kind != 'd') {
        pt_error("%s: offset 0: not a pstats file (the marshal object is not a dict)", path);
        rc = PT_EXIT_DATA;
    } else if (r.pos != size) {
        pt_error("%s: offset %zu: trailing data after the stats dict", path, r.pos);
        rc = PT_EXIT_DATA;
    }
    for (size_t e = 0; !rc && e < top->len; e += 2) {
        const mv *k = top->items[e], *v = top->items[e + 1];
        long fn = key_function(b, k);
        if (fn < 0 || !numeric_tuple(v, 4) || v->len != 5 || v->items[4]->kind != 'd') {
            pt_error("%s: record %zu: expected (file, line, name): (cc, nc, tt, ct, callers)",
                     path, e / 2 + 1);
            rc = PT_EXIT_DATA;
            break;
        }
        double cc = num(v->items[0]), nc = num(v->items[1]);
        if (cc < 0 || nc < 0 || cc > nc || nc > 9e18) {
            pt_error("%s: record %zu: call counts out of range (primitive %g, total %g)", path,
                     e / 2 + 1, cc, nc);
            rc = PT_EXIT_DATA;
            break;
        }
        imp_set_function_stat(b, (uint32_t)fn, (int64_t)nc, (int64_t)cc,
                              sec_to_ns(num(v->items[3])), sec_to_ns(num(v->items[2])));
        const mv *callers = v->items[4];
        for (size_t c = 0; c < callers->len; c += 2) {
            long caller = key_function(b, callers->items[c]);
            const mv *cv = callers->items[c + 1];
            if (caller < 0) {
                pt_error("%s: record %zu: caller %zu: expected a (file, line, name) key", path,
                         e / 2 + 1, c / 2 + 1);
                rc = PT_EXIT_DATA;
                break;
            }
            if (cv->kind == 'i') { /* very old pstats: a bare call count */
                imp_add_caller(b, (uint32_t)fn, (uint32_t)caller, cv->i, cv->i, 0, 0);
                continue;
            }
            if (!numeric_tuple(cv, 4)) {
                pt_error("%s: record %zu: caller %zu: expected (nc, cc, tt, ct)", path, e / 2 + 1,
                         c / 2 + 1);
                rc = PT_EXIT_DATA;
                break;
            }
            double cnc = num(cv->items[0]), ccc = num(cv->items[1]);
            imp_add_caller(b, (uint32_t)fn, (uint32_t)caller,
                           cnc > 0 && cnc < 9e18 ? (int64_t)cnc : 0,
                           ccc > 0 && ccc < 9e18 ? (int64_t)ccc : 0, sec_to_ns(num(cv->items[3])),
                           sec_to_ns(num(cv->items[2])));
        }
    }
    for (size_t i = 0; i < r.nall; i++) {
        free(r.all[i]->items);
        free(r.all[i]);
    }
    free(r.all);
    free(r.refs);
    return rc;
}
