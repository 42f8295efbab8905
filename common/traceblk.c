/* common/traceblk.c: encoder and decoder of trace blocks (format: docs/schema.md, "Trace
 * blocks"; API: traceblk.h).
 *
 * Layout of a block (all integers little-endian; varint = unsigned LEB128, at most 10
 * bytes; zigzag(v) = (v << 1) ^ (v >> 63)):
 *   fixed header, 24 bytes: "PSTB", version, flags, 2 zero bytes, ncalls (u32),
 *     body_len (u32), raw_cols_len (u32), crc32 (u32, zlib CRC-32 of header bytes 0..19
 *     then the body)
 *   body: run_id, thread_id, ts_min, ts_max - ts_min, npaths, paths_len (varints);
 *     the dictionary (paths_len bytes: per path zigzag delta of callpath id, zigzag delta
 *     of function id, depth); the column section (the rest of the body).
 *   column section (after zstd when flags bit 0): six columns, each a varint byte count
 *     and ncalls varints: path index, zigzag seq delta, seq - parent_seq (0 = none),
 *     zigzag delta of the end time (ts + dur; the first against ts_min), dur, self_dur.
 *
 * Invariants: the decoder never reads outside the given bytes, checks every length
 * before use, and yields only calls that satisfy the pscope_tcall contract and lie in the
 * header's [ts_min, ts_max]; whatever the input, it returns an error instead.
 */
#include "traceblk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define TB_COLUMNS 6

PSCOPE_TB_NOINSTR static void tb_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

PSCOPE_TB_NOINSTR static inline uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

PSCOPE_TB_NOINSTR static inline int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

PSCOPE_TB_NOINSTR static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Read a varint from [*p, end). Returns 0 and advances *p, or -1 (truncated/overlong). */
PSCOPE_TB_NOINSTR static inline int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    if (q < end && *q < 0x80) { /* the common case: one byte */
        *v = *q;
        *p = q + 1;
        return 0;
    }
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (q >= end)
            return -1;
        uint8_t b = *q++;
        if (shift == 63 && b > 1)
            return -1; /* more than 64 bits */
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            *p = q;
            return 0;
        }
    }
    return -1;
}

PSCOPE_TB_NOINSTR static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

PSCOPE_TB_NOINSTR static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

PSCOPE_TB_NOINSTR static int reserve(uint8_t **data, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    uint8_t *q = realloc(*data, n);
    if (!q)
        return -1;
    *data = q;
    *cap = n;
    return 0;
}

/* CRC-32 of header bytes 0..19 followed by the body. */
PSCOPE_TB_NOINSTR static uint32_t block_crc(const uint8_t *block, size_t body_len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, block, 20);
    const uint8_t *body = block + PSCOPE_TB_HEADER;
    while (body_len > 0) { /* zlib takes uInt lengths */
        uInt chunk = body_len > 0x40000000u ? 0x40000000u : (uInt)body_len;
        c = crc32(c, body, chunk);
        body += chunk;
        body_len -= chunk;
    }
    return (uint32_t)c;
}

/* ---- encoder ------------------------------------------------------------------------- */

/* Write the body's leading varints and the call-path dictionary (with its byte length)
 * at p, which has room for 70 + 25 * npaths bytes. Returns the end of what was written. */
PSCOPE_TB_NOINSTR static uint8_t *put_head(uint8_t *p, int64_t run_id, int64_t thread_id,
                                           uint64_t ts_min, uint64_t ts_max,
                                           const pscope_tb_path *paths, uint32_t npaths)
{
    p = put_varint(p, (uint64_t)run_id);
    p = put_varint(p, (uint64_t)thread_id);
    p = put_varint(p, ts_min);
    p = put_varint(p, ts_max - ts_min);
    p = put_varint(p, npaths);
    /* the dictionary's byte length precedes it: encode it after a gap of the largest
     * varint, then move it behind its actual length */
    uint8_t *dict = p + 10, *dp = dict;
    int64_t prev_cp = 0, prev_fn = 0;
    for (uint32_t i = 0; i < npaths; i++) {
        dp = put_varint(dp, zigzag(paths[i].callpath_id - prev_cp));
        dp = put_varint(dp, zigzag(paths[i].function_id - prev_fn));
        dp = put_varint(dp, paths[i].depth);
        prev_cp = paths[i].callpath_id;
        prev_fn = paths[i].function_id;
    }
    size_t dict_len = (size_t)(dp - dict);
    uint8_t len[10];
    size_t ll = (size_t)(put_varint(len, dict_len) - len);
    memcpy(p, len, ll);
    memmove(p + ll, dict, dict_len);
    return p + ll + dict_len;
}

PSCOPE_TB_NOINSTR void pscope_tb_buf_free(pscope_tb_buf *buf)
{
    free(buf->data);
    free(buf->cols);
    free(buf->slot);
    free(buf->paths);
    ZSTD_freeCCtx(buf->zctx);
    memset(buf, 0, sizeof *buf);
}

PSCOPE_TB_NOINSTR static inline uint32_t slot_hash(int64_t id, uint32_t mask)
{
    uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(x >> 32) & mask;
}

PSCOPE_TB_NOINSTR int pscope_tb_encode(const pscope_tcall *calls, uint32_t n, int64_t run_id,
                                       int64_t thread_id, int zstd_level, pscope_tb_buf *out,
                                       char *err, size_t errlen)
{
    if (n == 0 || n > PSCOPE_TB_MAX_CALLS) {
        tb_err(err, errlen, "trace block: %u calls (must be 1..%u)", n, PSCOPE_TB_MAX_CALLS);
        return -1;
    }
    if (run_id < 0 || thread_id < 0) {
        tb_err(err, errlen, "trace block: negative run or thread id");
        return -1;
    }
    /* Validate, and find the time range. */
    uint64_t ts_min = UINT64_MAX, ts_max = 0;
    for (uint32_t i = 0; i < n; i++) {
        const pscope_tcall *c = &calls[i];
        if (c->seq == 0 || c->parent_seq >= c->seq || c->self_dur > c->dur ||
            c->ts + c->dur < c->ts || c->callpath_id < 0 || c->function_id < 0 ||
            c->ts > (uint64_t)INT64_MAX || c->ts + c->dur > (uint64_t)INT64_MAX ||
            c->seq > (uint64_t)INT64_MAX) {
            tb_err(err, errlen, "trace block: call %u (seq %llu) breaks the call contract", i,
                   (unsigned long long)c->seq);
            return -1;
        }
        if (c->ts < ts_min)
            ts_min = c->ts;
        if (c->ts > ts_max)
            ts_max = c->ts;
    }
    /* Dictionary of call paths, in order of first occurrence; hash table of indices + 1. */
    uint32_t mask = 63;
    while (mask < 2 * n)
        mask = mask * 2 + 1;
    if (mask + 1 > out->slot_cap) {
        free(out->slot);
        out->slot = malloc((size_t)(mask + 1) * sizeof *out->slot);
        out->slot_cap = out->slot ? mask + 1 : 0;
    }
    if (n > out->paths_cap) {
        free(out->paths);
        out->paths = malloc((size_t)n * sizeof *out->paths);
        out->paths_cap = out->paths ? n : 0;
    }
    /* Worst case: 10 bytes per varint, 6 columns, plus column lengths. */
    size_t cols_max = (size_t)n * TB_COLUMNS * 10 + TB_COLUMNS * 10;
    if (!out->slot || !out->paths || reserve(&out->cols, &out->cols_cap, 2 * cols_max)) {
        tb_err(err, errlen, "trace block: out of memory");
        return -1;
    }
    memset(out->slot, 0, (size_t)(mask + 1) * sizeof *out->slot);
    uint32_t npaths = 0;
    /* Columns are written into six regions of cols, then packed behind their lengths. */
    uint8_t *region[TB_COLUMNS], *pos[TB_COLUMNS];
    uint8_t *scratch = out->cols + cols_max;
    for (int k = 0; k < TB_COLUMNS; k++)
        region[k] = pos[k] = scratch + (size_t)k * n * 10;
    uint64_t prev_seq = 0, prev_end = ts_min;
    for (uint32_t i = 0; i < n; i++) {
        const pscope_tcall *c = &calls[i];
        uint32_t h = slot_hash(c->callpath_id, mask), idx;
        for (;;) {
            uint32_t s = out->slot[h];
            if (s == 0) {
                idx = npaths++;
                out->paths[idx].callpath_id = c->callpath_id;
                out->paths[idx].function_id = c->function_id;
                out->paths[idx].depth = c->depth;
                out->slot[h] = idx + 1;
                break;
            }
            if (out->paths[s - 1].callpath_id == c->callpath_id) {
                idx = s - 1;
                const pscope_tb_path *p = &out->paths[idx];
                if (p->function_id != c->function_id || p->depth != c->depth) {
                    tb_err(err, errlen,
                           "trace block: call path %lld with two functions or depths",
                           (long long)c->callpath_id);
                    return -1;
                }
                break;
            }
            h = (h + 1) & mask;
        }
        uint64_t end = c->ts + c->dur;
        pos[0] = put_varint(pos[0], idx);
        pos[1] = put_varint(pos[1], zigzag((int64_t)(c->seq - prev_seq)));
        pos[2] = put_varint(pos[2], c->parent_seq ? c->seq - c->parent_seq : 0);
        pos[3] = put_varint(pos[3], zigzag((int64_t)(end - prev_end)));
        pos[4] = put_varint(pos[4], c->dur);
        pos[5] = put_varint(pos[5], c->self_dur);
        prev_seq = c->seq;
        prev_end = end;
    }
    uint8_t *cp = out->cols;
    for (int k = 0; k < TB_COLUMNS; k++) {
        size_t len = (size_t)(pos[k] - region[k]);
        cp = put_varint(cp, len);
        memmove(cp, region[k], len);
        cp += len;
    }
    size_t raw_cols_len = (size_t)(cp - out->cols);

    /* Header varints + dictionary, then the column section. */
    size_t dict_max = (size_t)npaths * 25;
    size_t zbound = zstd_level > 0 ? ZSTD_compressBound(raw_cols_len) : 0;
    size_t need = PSCOPE_TB_HEADER + 100 + dict_max + (zbound > raw_cols_len ? zbound : raw_cols_len);
    if (reserve(&out->data, &out->cap, need)) {
        tb_err(err, errlen, "trace block: out of memory");
        return -1;
    }
    uint8_t *b = out->data;
    uint8_t *p = put_head(b + PSCOPE_TB_HEADER, run_id, thread_id, ts_min, ts_max, out->paths,
                          npaths);

    uint32_t flags = 0;
    size_t cols_len = raw_cols_len;
    if (zstd_level > 0) {
        if (!out->zctx)
            out->zctx = ZSTD_createCCtx();
        size_t z = out->zctx ? ZSTD_compressCCtx(out->zctx, p, zbound, out->cols, raw_cols_len,
                                                 zstd_level)
                             : (size_t)-1;
        if (!ZSTD_isError(z) && z < raw_cols_len) {
            flags |= PSCOPE_TB_FLAG_ZSTD;
            cols_len = z;
        }
    }
    if (!(flags & PSCOPE_TB_FLAG_ZSTD))
        memcpy(p, out->cols, raw_cols_len);
    p += cols_len;
    size_t body_len = (size_t)(p - b) - PSCOPE_TB_HEADER;
    if (body_len > UINT32_MAX || raw_cols_len > UINT32_MAX) {
        tb_err(err, errlen, "trace block: too large");
        return -1;
    }
    memcpy(b, PSCOPE_TB_MAGIC, 4);
    b[4] = PSCOPE_TB_VERSION;
    b[5] = (uint8_t)flags;
    b[6] = b[7] = 0;
    put_u32(b + 8, n);
    put_u32(b + 12, (uint32_t)body_len);
    put_u32(b + 16, (uint32_t)raw_cols_len);
    put_u32(b + 20, block_crc(b, body_len));
    out->len = PSCOPE_TB_HEADER + body_len;
    return 0;
}

/* ---- decoder ------------------------------------------------------------------------- */

PSCOPE_TB_NOINSTR void pscope_tb_block_free(pscope_tb_block *b)
{
    free(b->paths);
    free(b->calls);
    free(b->scratch);
    ZSTD_freeDCtx(b->zctx);
    memset(b, 0, sizeof *b);
}

PSCOPE_TB_NOINSTR int pscope_tb_info_parse(const uint8_t *data, size_t len, pscope_tb_info *info,
                                           char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    if (!data || len < PSCOPE_TB_HEADER) {
        tb_err(err, errlen, "truncated: %zu bytes, the header alone is %d", len,
               PSCOPE_TB_HEADER);
        return -1;
    }
    if (memcmp(data, PSCOPE_TB_MAGIC, 4) != 0) {
        tb_err(err, errlen, "not a trace block (bad magic)");
        return -1;
    }
    if (data[4] != PSCOPE_TB_VERSION) {
        tb_err(err, errlen, "unsupported trace block version %u (this build reads %u)",
               data[4], PSCOPE_TB_VERSION);
        return -1;
    }
    if ((data[5] & ~PSCOPE_TB_FLAG_ZSTD) || data[6] || data[7]) {
        tb_err(err, errlen, "unknown trace block flags 0x%02x%02x%02x", data[5], data[6],
               data[7]);
        return -1;
    }
    uint32_t ncalls = get_u32(data + 8), body_len = get_u32(data + 12);
    if ((size_t)body_len != len - PSCOPE_TB_HEADER) {
        tb_err(err, errlen, "truncated or padded: header says %u body bytes, %zu present",
               body_len, len - PSCOPE_TB_HEADER);
        return -1;
    }
    if (block_crc(data, body_len) != get_u32(data + 20)) {
        tb_err(err, errlen, "checksum mismatch (corrupt block)");
        return -1;
    }
    if (ncalls == 0 || ncalls > PSCOPE_TB_MAX_CALLS) {
        tb_err(err, errlen, "bad call count %u", ncalls);
        return -1;
    }
    info->ncalls = ncalls;
    info->flags = data[5];
    info->raw_cols_len = get_u32(data + 16);
    const uint8_t *p = data + PSCOPE_TB_HEADER, *end = data + len;
    uint64_t run, thr, tmin, tspan, npaths, plen;
    if (get_varint(&p, end, &run) || get_varint(&p, end, &thr) || get_varint(&p, end, &tmin) ||
        get_varint(&p, end, &tspan) || get_varint(&p, end, &npaths) ||
        get_varint(&p, end, &plen)) {
        tb_err(err, errlen, "truncated block header");
        return -1;
    }
    if (run > (uint64_t)INT64_MAX || thr > (uint64_t)INT64_MAX || tmin > (uint64_t)INT64_MAX ||
        tspan > (uint64_t)INT64_MAX - tmin || npaths == 0 || npaths > ncalls ||
        plen > (size_t)(end - p)) {
        tb_err(err, errlen, "inconsistent block header");
        return -1;
    }
    info->run_id = (int64_t)run;
    info->thread_id = (int64_t)thr;
    info->ts_min = tmin;
    info->ts_max = tmin + tspan;
    info->npaths = (uint32_t)npaths;
    info->paths = p;
    info->paths_len = (size_t)plen;
    info->cols = p + plen;
    info->cols_len = (size_t)(end - info->cols);
    if (!(info->flags & PSCOPE_TB_FLAG_ZSTD) && info->cols_len != info->raw_cols_len) {
        tb_err(err, errlen, "column section is %zu bytes, header says %zu", info->cols_len,
               info->raw_cols_len);
        return -1;
    }
    /* 6 columns of ncalls varints: at least that many bytes, at most 10 per value */
    if (info->raw_cols_len < (size_t)ncalls * TB_COLUMNS + TB_COLUMNS ||
        info->raw_cols_len > (size_t)ncalls * TB_COLUMNS * 10 + TB_COLUMNS * 10) {
        tb_err(err, errlen, "column section size %zu impossible for %u calls",
               info->raw_cols_len, ncalls);
        return -1;
    }
    return 0;
}

PSCOPE_TB_NOINSTR static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* A call path occurs once in a dictionary (else one path would have two functions). */
PSCOPE_TB_NOINSTR static int check_unique_paths(const pscope_tb_path *paths, uint32_t n,
                                                char *err, size_t errlen)
{
    if (n < 2)
        return 0;
    int64_t *ids = malloc((size_t)n * sizeof *ids);
    if (!ids) {
        tb_err(err, errlen, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < n; i++)
        ids[i] = paths[i].callpath_id;
    qsort(ids, n, sizeof *ids, cmp_id);
    int dup = 0;
    for (uint32_t i = 1; i < n && !dup; i++)
        dup = ids[i] == ids[i - 1];
    int64_t which = dup ? ids[0] : 0;
    for (uint32_t i = 1; dup && i < n; i++)
        if (ids[i] == ids[i - 1]) {
            which = ids[i];
            break;
        }
    free(ids);
    if (dup) {
        tb_err(err, errlen, "call path %lld twice in the dictionary", (long long)which);
        return -1;
    }
    return 0;
}

PSCOPE_TB_NOINSTR int pscope_tb_paths(pscope_tb_block *b, char *err, size_t errlen)
{
    const pscope_tb_info *in = &b->info;
    if (in->npaths > b->paths_cap) {
        pscope_tb_path *np = realloc(b->paths, (size_t)in->npaths * sizeof *np);
        if (!np) {
            tb_err(err, errlen, "out of memory");
            return -1;
        }
        b->paths = np;
        b->paths_cap = in->npaths;
    }
    const uint8_t *p = in->paths, *end = in->paths + in->paths_len;
    int64_t cp = 0, fn = 0;
    for (uint32_t i = 0; i < in->npaths; i++) {
        uint64_t dc, df, depth;
        if (get_varint(&p, end, &dc) || get_varint(&p, end, &df) ||
            get_varint(&p, end, &depth)) {
            tb_err(err, errlen, "truncated call-path dictionary (entry %u of %u)", i,
                   in->npaths);
            return -1;
        }
        int64_t d1 = unzigzag(dc), d2 = unzigzag(df);
        if (__builtin_add_overflow(cp, d1, &cp) || __builtin_add_overflow(fn, d2, &fn) ||
            cp < 0 || fn < 0 || depth > UINT32_MAX) {
            tb_err(err, errlen, "bad call-path dictionary entry %u", i);
            return -1;
        }
        b->paths[i].callpath_id = cp;
        b->paths[i].function_id = fn;
        b->paths[i].depth = (uint32_t)depth;
    }
    if (p != end) {
        tb_err(err, errlen, "call-path dictionary has %zu trailing bytes", (size_t)(end - p));
        return -1;
    }
    return check_unique_paths(b->paths, in->npaths, err, errlen);
}

PSCOPE_TB_NOINSTR int pscope_tb_has_function(const pscope_tb_block *b, int64_t function_id)
{
    for (uint32_t i = 0; i < b->info.npaths; i++)
        if (b->paths[i].function_id == function_id)
            return 1;
    return 0;
}

/* Split the plain column section into its six columns. */
PSCOPE_TB_NOINSTR static int split_columns(const uint8_t *p, const uint8_t *end,
                                           const uint8_t *col[TB_COLUMNS],
                                           const uint8_t *col_end[TB_COLUMNS], char *err,
                                           size_t errlen)
{
    for (int k = 0; k < TB_COLUMNS; k++) {
        uint64_t len;
        if (get_varint(&p, end, &len) || len > (uint64_t)(end - p)) {
            tb_err(err, errlen, "truncated column %d", k + 1);
            return -1;
        }
        col[k] = p;
        col_end[k] = p + len;
        p += len;
    }
    if (p != end) {
        tb_err(err, errlen, "%zu trailing bytes after the columns", (size_t)(end - p));
        return -1;
    }
    return 0;
}

PSCOPE_TB_NOINSTR int pscope_tb_decode(const uint8_t *data, size_t len, pscope_tb_block *b,
                                       char *err, size_t errlen)
{
    if (pscope_tb_info_parse(data, len, &b->info, err, errlen) ||
        pscope_tb_paths(b, err, errlen))
        return -1;
    const pscope_tb_info *in = &b->info;
    const uint8_t *cols = in->cols;
    if (in->flags & PSCOPE_TB_FLAG_ZSTD) {
        if (reserve(&b->scratch, &b->scratch_cap, in->raw_cols_len)) {
            tb_err(err, errlen, "out of memory");
            return -1;
        }
        if (!b->zctx)
            b->zctx = ZSTD_createDCtx();
        if (!b->zctx) {
            tb_err(err, errlen, "out of memory");
            return -1;
        }
        unsigned long long fsz = ZSTD_getFrameContentSize(in->cols, in->cols_len);
        if (fsz != in->raw_cols_len) {
            tb_err(err, errlen, "compressed columns: frame size does not match the header");
            return -1;
        }
        size_t got = ZSTD_decompressDCtx(b->zctx, b->scratch, in->raw_cols_len, in->cols,
                                         in->cols_len);
        if (ZSTD_isError(got) || got != in->raw_cols_len) {
            tb_err(err, errlen, "compressed columns: %s",
                   ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short frame");
            return -1;
        }
        cols = b->scratch;
    }
    const uint8_t *col[TB_COLUMNS], *col_end[TB_COLUMNS];
    if (split_columns(cols, cols + in->raw_cols_len, col, col_end, err, errlen))
        return -1;
    uint32_t n = in->ncalls;
    if (n > b->calls_cap) {
        pscope_tcall *nc = realloc(b->calls, (size_t)n * sizeof *nc);
        if (!nc) {
            tb_err(err, errlen, "out of memory");
            return -1;
        }
        b->calls = nc;
        b->calls_cap = n;
    }
    uint64_t seq = 0, end_ts = in->ts_min;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t idx, dseq, dpar, dend, dur, self;
        if (get_varint(&col[0], col_end[0], &idx) || get_varint(&col[1], col_end[1], &dseq) ||
            get_varint(&col[2], col_end[2], &dpar) || get_varint(&col[3], col_end[3], &dend) ||
            get_varint(&col[4], col_end[4], &dur) || get_varint(&col[5], col_end[5], &self)) {
            tb_err(err, errlen, "truncated column data at call %u of %u", i, n);
            return -1;
        }
        int64_t s;
        int64_t e;
        if (idx >= in->npaths ||
            __builtin_add_overflow((int64_t)seq, unzigzag(dseq), &s) || s <= 0 ||
            dpar >= (uint64_t)s ||
            __builtin_add_overflow((int64_t)end_ts, unzigzag(dend), &e) || e < 0 ||
            dur > (uint64_t)e || self > dur) {
            tb_err(err, errlen, "corrupt call %u of %u", i, n);
            return -1;
        }
        seq = (uint64_t)s;
        end_ts = (uint64_t)e;
        pscope_tcall *c = &b->calls[i];
        const pscope_tb_path *pp = &b->paths[idx];
        c->seq = seq;
        c->parent_seq = dpar ? seq - dpar : 0;
        c->callpath_id = pp->callpath_id;
        c->function_id = pp->function_id;
        c->depth = pp->depth;
        c->ts = end_ts - dur;
        c->dur = dur;
        c->self_dur = self;
        if (c->ts < in->ts_min || c->ts > in->ts_max) {
            tb_err(err, errlen, "call %u of %u lies outside the block's time range", i, n);
            return -1;
        }
    }
    for (int k = 0; k < TB_COLUMNS; k++)
        if (col[k] != col_end[k]) {
            tb_err(err, errlen, "column %d has %zu trailing bytes", k + 1,
                   (size_t)(col_end[k] - col[k]));
            return -1;
        }
    return 0;
}

PSCOPE_TB_NOINSTR int pscope_tb_remap(const uint8_t *data, size_t len, int64_t run_id,
                                      int64_t thread_id, pscope_tb_map_fn map, void *arg,
                                      pscope_tb_buf *out, char *err, size_t errlen)
{
    pscope_tb_block b = {0};
    int rc = -1;
    if (pscope_tb_info_parse(data, len, &b.info, err, errlen) || pscope_tb_paths(&b, err, errlen))
        goto done;
    if (run_id < 0 || thread_id < 0) {
        tb_err(err, errlen, "trace block: negative run or thread id");
        goto done;
    }
    for (uint32_t i = 0; i < b.info.npaths; i++)
        if (map(arg, &b.paths[i].callpath_id, &b.paths[i].function_id) ||
            b.paths[i].callpath_id < 0 || b.paths[i].function_id < 0) {
            tb_err(err, errlen, "trace block: no id for call path entry %u", i);
            goto done;
        }
    size_t need = PSCOPE_TB_HEADER + 70 + (size_t)b.info.npaths * 25 + b.info.cols_len;
    if (reserve(&out->data, &out->cap, need)) {
        tb_err(err, errlen, "trace block: out of memory");
        goto done;
    }
    uint8_t *o = out->data;
    memcpy(o, data, 20);
    uint8_t *p = put_head(o + PSCOPE_TB_HEADER, run_id, thread_id, b.info.ts_min, b.info.ts_max,
                          b.paths, b.info.npaths);
    memcpy(p, b.info.cols, b.info.cols_len);
    p += b.info.cols_len;
    size_t body_len = (size_t)(p - o) - PSCOPE_TB_HEADER;
    if (body_len > UINT32_MAX) {
        tb_err(err, errlen, "trace block: too large");
        goto done;
    }
    put_u32(o + 12, (uint32_t)body_len);
    put_u32(o + 20, block_crc(o, body_len));
    out->len = PSCOPE_TB_HEADER + body_len;
    rc = 0;
done:
    pscope_tb_block_free(&b);
    return rc;
}

PSCOPE_TB_NOINSTR int pscope_tb_decode_if(const uint8_t *data, size_t len, int64_t run_id,
                                          int64_t thread_id, uint64_t ts_lo, uint64_t ts_hi,
                                          int has_function, int64_t function_id,
                                          pscope_tb_block *b, char *err, size_t errlen)
{
    if (pscope_tb_info_parse(data, len, &b->info, err, errlen))
        return -1;
    if (b->info.run_id != run_id || b->info.thread_id != thread_id) {
        tb_err(err, errlen, "run/thread %lld/%lld inside the block, %lld/%lld in its row",
               (long long)b->info.run_id, (long long)b->info.thread_id, (long long)run_id,
               (long long)thread_id);
        return -1;
    }
    if (b->info.ts_max < ts_lo || b->info.ts_min > ts_hi)
        return 0;
    if (has_function) {
        if (pscope_tb_paths(b, err, errlen))
            return -1;
        if (!pscope_tb_has_function(b, function_id))
            return 0;
    }
    return pscope_tb_decode(data, len, b, err, errlen) ? -1 : 1;
}
