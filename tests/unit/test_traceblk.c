/* tests/unit/test_traceblk.c: CUnit tests of the trace block codec (common/traceblk.c).
 *
 * The byte layout of a two-call block is asserted byte for byte against the encoding
 * worked out by hand from docs/schema.md ("Trace blocks"), so the documentation and the
 * code cannot drift apart. Round trips are exact (every column) on edge values and on
 * pseudo-random data with and without zstd; every truncation and every single-byte change
 * of a block is rejected with an error; a block with a valid checksum but inconsistent
 * content is rejected too.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "traceblk.h"

static int same_call(const pscope_tcall *x, const pscope_tcall *y)
{
    return x->seq == y->seq && x->parent_seq == y->parent_seq &&
           x->callpath_id == y->callpath_id && x->function_id == y->function_id &&
           x->depth == y->depth && x->ts == y->ts && x->dur == y->dur &&
           x->self_dur == y->self_dur;
}

/* Encode, decode, and check every call comes back exactly. */
static void round_trip(const pscope_tcall *c, uint32_t n, int level)
{
    pscope_tb_buf buf = {0};
    pscope_tb_block b = {0};
    char err[256] = "";
    CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(c, n, 42, 9, level, &buf, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(pscope_tb_decode(buf.data, buf.len, &b, err, sizeof err), 0);
    CU_ASSERT_EQUAL(b.info.ncalls, n);
    CU_ASSERT_EQUAL(b.info.run_id, 42);
    CU_ASSERT_EQUAL(b.info.thread_id, 9);
    uint64_t lo = UINT64_MAX, hi = 0;
    unsigned bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        bad += !same_call(&b.calls[i], &c[i]);
        lo = c[i].ts < lo ? c[i].ts : lo;
        hi = c[i].ts > hi ? c[i].ts : hi;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(b.info.ts_min, lo);
    CU_ASSERT_EQUAL(b.info.ts_max, hi);
    pscope_tb_block_free(&b);
    pscope_tb_buf_free(&buf);
}

/* main (seq 1, path 10, function 4) calls a (seq 2, path 11, function 5). */
static const pscope_tcall two[] = {
    {2, 1, 11, 5, 1, 100, 50, 50},
    {1, 0, 10, 4, 0, 90, 200, 150},
};

static void test_layout_by_hand(void)
{
    static const uint8_t body[] = {
        0x03, 0x07, 0x5a, 0x0a, 0x02,             /* run 3, thread 7, ts_min 90, span 10, 2 paths */
        0x06, 0x16, 0x0a, 0x01, 0x01, 0x01, 0x00, /* dictionary: 6 bytes; (11,5,1), (10,4,0) as deltas */
        0x02, 0x00, 0x01,                         /* path indices 0, 1 */
        0x02, 0x04, 0x01,                         /* seq: zigzag(+2), zigzag(-1) */
        0x02, 0x01, 0x00,                         /* parent: 2 - 1, none */
        0x03, 0x78, 0x98, 0x02,                   /* end: zigzag(150 - 90) = 120, zigzag(290 - 150) = 280 */
        0x03, 0x32, 0xc8, 0x01,                   /* dur 50, 200 */
        0x03, 0x32, 0x96, 0x01,                   /* self 50, 150 */
    };
    uint8_t want[24 + sizeof body] = {'P', 'S', 'T', 'B', 1, 0, 0, 0, 2, 0, 0, 0,
                                      (uint8_t)sizeof body, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0};
    memcpy(want + 24, body, sizeof body);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), want, 20);
    crc = crc32(crc, body, sizeof body);
    want[20] = (uint8_t)crc;
    want[21] = (uint8_t)(crc >> 8);
    want[22] = (uint8_t)(crc >> 16);
    want[23] = (uint8_t)(crc >> 24);

    pscope_tb_buf buf = {0};
    char err[256] = "";
    CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(two, 2, 3, 7, 0, &buf, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(buf.len, sizeof want);
    CU_ASSERT_EQUAL(memcmp(buf.data, want, sizeof want), 0);
    /* zstd does not pay on 21 bytes: the same plain block comes out */
    CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(two, 2, 3, 7, 3, &buf, err, sizeof err), 0);
    CU_ASSERT_EQUAL(buf.len, sizeof want);
    CU_ASSERT_EQUAL(buf.data[5], 0);
    pscope_tb_buf_free(&buf);
    round_trip(two, 2, 0);
}

static void test_edge_values(void)
{
    const uint64_t big = (uint64_t)INT64_MAX;
    pscope_tcall c[] = {
        {big, big - 1, INT64_MAX, INT64_MAX, UINT32_MAX, big - 10, 10, 10},
        {1, 0, 0, 0, 0, 0, 0, 0},              /* smallest everything */
        {5, 0, 0, 0, 0, 0, big, big},          /* ts 0, dur INT64_MAX */
        {big - 1, 1, 1, 1, 1, big, 0, 0},      /* ts INT64_MAX, zero duration */
        {3, 2, 99, 0, 7, 12345, 1, 0},         /* self 0 */
    };
    uint32_t n = sizeof c / sizeof *c;
    round_trip(c, n, 0);
    round_trip(c, n, 1);
    round_trip(c, 1, 0);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A full block of pseudo-random calls over 300 paths, with widely varying magnitudes. */
static void test_random_full_block(void)
{
    uint32_t n = PSCOPE_TB_MAX_CALLS;
    pscope_tcall *c = calloc(n, sizeof *c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t shift = rnd() % 40;
        c[i].seq = 1 + (rnd() >> (1 + rnd() % 62));
        c[i].parent_seq = rnd() % 3 ? c[i].seq - 1 - (c[i].seq > 1 ? rnd() % c[i].seq : 0) : 0;
        if (c[i].parent_seq >= c[i].seq)
            c[i].parent_seq = 0;
        uint32_t path = (uint32_t)(rnd() % 300);
        c[i].callpath_id = 1000 + path * 7;
        c[i].function_id = 50 + path % 37;
        c[i].depth = path % 19;
        c[i].ts = rnd() >> (2 + shift);
        c[i].dur = rnd() >> (4 + shift);
        c[i].self_dur = c[i].dur ? rnd() % (c[i].dur + 1) : 0;
    }
    round_trip(c, n, 0);
    round_trip(c, n, 1);
    round_trip(c, n, 19);
    free(c);
}

/* A regular recursive pattern compresses: zstd must be used and pay. */
static void test_zstd_pays(void)
{
    uint32_t n = 16384;
    pscope_tcall *c = calloc(n, sizeof *c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (uint32_t i = 0; i < n; i++)
        c[i] = (pscope_tcall){2 + 2 * i, 1 + 2 * i, 7 + i % 4, 3, 1 + i % 4, 100 + 40 * (uint64_t)i, 30, 30};
    pscope_tb_buf plain = {0}, z = {0};
    char err[256];
    CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(c, n, 1, 1, 0, &plain, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(c, n, 1, 1, 1, &z, err, sizeof err), 0);
    CU_ASSERT_EQUAL(z.data[5], PSCOPE_TB_FLAG_ZSTD);
    CU_ASSERT(z.len * 10 < plain.len);
    round_trip(c, n, 1);
    pscope_tb_buf_free(&plain);
    pscope_tb_buf_free(&z);
    free(c);
}

static void test_encoder_rejects(void)
{
    pscope_tb_buf buf = {0};
    char err[256];
    pscope_tcall c = two[0];
    CU_ASSERT_EQUAL(pscope_tb_encode(&c, 0, 1, 1, 0, &buf, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "trace block: 0 calls (must be 1..65536)");
    CU_ASSERT_EQUAL(pscope_tb_encode(&c, PSCOPE_TB_MAX_CALLS + 1, 1, 1, 0, &buf, err, sizeof err), -1);
    c.seq = 0;
    c.parent_seq = 0;
    CU_ASSERT_EQUAL(pscope_tb_encode(&c, 1, 1, 1, 0, &buf, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "trace block: call 0 (seq 0) breaks the call contract");
    c = two[0];
    c.parent_seq = c.seq;
    CU_ASSERT_EQUAL(pscope_tb_encode(&c, 1, 1, 1, 0, &buf, err, sizeof err), -1);
    c = two[0];
    c.self_dur = c.dur + 1;
    CU_ASSERT_EQUAL(pscope_tb_encode(&c, 1, 1, 1, 0, &buf, err, sizeof err), -1);
    c = two[0];
    c.ts = (uint64_t)INT64_MAX;
    c.dur = 1;
    CU_ASSERT_EQUAL(pscope_tb_encode(&c, 1, 1, 1, 0, &buf, err, sizeof err), -1);
    c = two[0];
    c.callpath_id = -1;
    CU_ASSERT_EQUAL(pscope_tb_encode(&c, 1, 1, 1, 0, &buf, err, sizeof err), -1);
    CU_ASSERT_EQUAL(pscope_tb_encode(two, 2, -1, 1, 0, &buf, err, sizeof err), -1);
    pscope_tcall twice[2] = {two[0], two[0]};
    twice[1].seq = 9;
    twice[1].function_id = 6; /* same path, another function */
    CU_ASSERT_EQUAL(pscope_tb_encode(twice, 2, 1, 1, 0, &buf, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "trace block: call path 11 with two functions or depths");
    pscope_tb_buf_free(&buf);
}

/* Every prefix and every single-byte change of a block (plain and compressed) is an error. */
static void damage_all(int level)
{
    uint32_t n = 500;
    pscope_tcall c[500];
    for (uint32_t i = 0; i < n; i++)
        c[i] = (pscope_tcall){10 + i, i % 5 ? 9 + i : 0, 1 + i % 9, 1 + i % 3, i % 9, 1000 + 17 * (uint64_t)i, 5 + i % 13, 5};
    pscope_tb_buf buf = {0};
    pscope_tb_block b = {0};
    char err[256];
    CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(c, n, 1, 2, level, &buf, err, sizeof err), 0);
    CU_ASSERT_EQUAL(buf.data[5], level ? PSCOPE_TB_FLAG_ZSTD : 0);
    uint8_t *copy = malloc(buf.len + 1);
    unsigned accepted = 0;
    for (size_t len = 0; len < buf.len; len++) {
        memcpy(copy, buf.data, len);
        err[0] = '\0';
        accepted += pscope_tb_decode(len ? copy : NULL, len, &b, err, sizeof err) == 0;
        CU_ASSERT(err[0] != '\0');
    }
    memcpy(copy, buf.data, buf.len);
    copy[buf.len] = 0;
    accepted += pscope_tb_decode(copy, buf.len + 1, &b, err, sizeof err) == 0; /* padded */
    for (size_t i = 0; i < buf.len; i++) {
        memcpy(copy, buf.data, buf.len);
        copy[i] ^= (uint8_t)(1u << (i % 8));
        accepted += pscope_tb_decode(copy, buf.len, &b, err, sizeof err) == 0;
    }
    CU_ASSERT_EQUAL(accepted, 0);
    CU_ASSERT_EQUAL(pscope_tb_decode(buf.data, buf.len, &b, err, sizeof err), 0); /* still fine */
    free(copy);
    pscope_tb_block_free(&b);
    pscope_tb_buf_free(&buf);
}

static void test_truncated_and_flipped_plain(void) { damage_all(0); }
static void test_truncated_and_flipped_zstd(void) { damage_all(1); }

static void fix_crc(uint8_t *blk, size_t len)
{
    uLong crc = crc32(crc32(0L, Z_NULL, 0), blk, 20);
    crc = crc32(crc, blk + 24, (uInt)(len - 24));
    blk[20] = (uint8_t)crc;
    blk[21] = (uint8_t)(crc >> 8);
    blk[22] = (uint8_t)(crc >> 16);
    blk[23] = (uint8_t)(crc >> 24);
}

/* Content errors behind a valid checksum: each named in the message. */
static void test_valid_crc_bad_content(void)
{
    pscope_tb_buf buf = {0};
    pscope_tb_block b = {0};
    char err[256];
    CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(two, 2, 3, 7, 0, &buf, err, sizeof err), 0);
    uint8_t blk[64];
    size_t len = buf.len;
    memcpy(blk, buf.data, len);

    blk[24 + 13] = 0x02; /* first path index 2, only 2 paths */
    fix_crc(blk, len);
    CU_ASSERT_EQUAL(pscope_tb_decode(blk, len, &b, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "corrupt call 0 of 2");

    memcpy(blk, buf.data, len);
    blk[24 + 31] = 0xb0; /* self of call 1: 0x30 + 2 * 128 = 304 > its dur 200 */
    blk[24 + 32] = 0x02;
    fix_crc(blk, len);
    CU_ASSERT_EQUAL(pscope_tb_decode(blk, len, &b, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "corrupt call 1 of 2");

    memcpy(blk, buf.data, len);
    blk[24 + 3] = 0x00; /* ts span 0: call 0 (ts 100) outside [90, 90] */
    fix_crc(blk, len);
    CU_ASSERT_EQUAL(pscope_tb_decode(blk, len, &b, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "call 0 of 2 lies outside the block's time range");

    memcpy(blk, buf.data, len);
    blk[8] = 3; /* three calls claimed: 21 column bytes cannot hold 3 x 6 varints + lengths */
    fix_crc(blk, len);
    CU_ASSERT_EQUAL(pscope_tb_decode(blk, len, &b, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "column section size 21 impossible for 3 calls");

    memcpy(blk, buf.data, len);
    blk[24 + 29] = 0x02; /* self column 2 bytes long: one byte left over */
    fix_crc(blk, len);
    CU_ASSERT_EQUAL(pscope_tb_decode(blk, len, &b, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "1 trailing bytes after the columns");

    memcpy(blk, buf.data, len);
    blk[4] = 2;
    CU_ASSERT_EQUAL(pscope_tb_decode(blk, len, &b, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "unsupported trace block version 2 (this build reads 1)");

    memcpy(blk, buf.data, len);
    blk[0] = 'X';
    CU_ASSERT_EQUAL(pscope_tb_decode(blk, len, &b, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "not a trace block (bad magic)");

    memcpy(blk, buf.data, len);
    blk[16]++; /* raw_cols_len: covered by the checksum */
    CU_ASSERT_EQUAL(pscope_tb_decode(blk, len, &b, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "checksum mismatch (corrupt block)");

    CU_ASSERT_EQUAL(pscope_tb_decode(buf.data, 10, &b, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "truncated: 10 bytes, the header alone is 24");
    CU_ASSERT_EQUAL(pscope_tb_decode(buf.data, len - 1, &b, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "truncated or padded: header says 33 body bytes, 32 present");
    pscope_tb_block_free(&b);
    pscope_tb_buf_free(&buf);
}

/* Header-only access: info and dictionary without the columns; the function set. */
static void test_info_and_functions(void)
{
    pscope_tb_buf buf = {0};
    pscope_tb_block b = {0};
    char err[256];
    CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(two, 2, 3, 7, 0, &buf, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(pscope_tb_info_parse(buf.data, buf.len, &b.info, err, sizeof err), 0);
    CU_ASSERT_EQUAL(b.info.ncalls, 2);
    CU_ASSERT_EQUAL(b.info.npaths, 2);
    CU_ASSERT_EQUAL(b.info.ts_min, 90);
    CU_ASSERT_EQUAL(b.info.ts_max, 100);
    CU_ASSERT_EQUAL_FATAL(pscope_tb_paths(&b, err, sizeof err), 0);
    CU_ASSERT_EQUAL(b.paths[0].callpath_id, 11);
    CU_ASSERT_EQUAL(b.paths[1].function_id, 4);
    CU_ASSERT_EQUAL(pscope_tb_has_function(&b, 4), 1);
    CU_ASSERT_EQUAL(pscope_tb_has_function(&b, 5), 1);
    CU_ASSERT_EQUAL(pscope_tb_has_function(&b, 6), 0);
    pscope_tb_block_free(&b);
    pscope_tb_buf_free(&buf);
}

static int add_1000(void *arg, int64_t *cp, int64_t *fn)
{
    (void)arg;
    if (*cp == 99)
        return -1;
    *cp += 1000;
    *fn += 1000;
    return 0;
}

/* Remap: new run, thread and dictionary ids; calls and columns unchanged. */
static void test_remap(void)
{
    pscope_tb_buf buf = {0}, out = {0};
    pscope_tb_block b = {0};
    char err[256];
    uint32_t n = 3000;
    pscope_tcall *c = calloc(n, sizeof *c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (uint32_t i = 0; i < n; i++)
        c[i] = (pscope_tcall){5 + i, 4 + i, i % 7, i % 3 == 0 ? 2 : 1 + (i % 7) % 2, i % 7, 17 * (uint64_t)i, 9, 4};
    for (uint32_t i = 0; i < n; i++)
        c[i].function_id = c[i].callpath_id % 2; /* one function per path */
    CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(c, n, 0, 0, 1, &buf, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(pscope_tb_remap(buf.data, buf.len, 6, 77, add_1000, NULL, &out, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(pscope_tb_decode(out.data, out.len, &b, err, sizeof err), 0);
    CU_ASSERT_EQUAL(b.info.run_id, 6);
    CU_ASSERT_EQUAL(b.info.thread_id, 77);
    unsigned bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        pscope_tcall want = c[i];
        want.callpath_id += 1000;
        want.function_id += 1000;
        bad += !same_call(&b.calls[i], &want);
    }
    CU_ASSERT_EQUAL(bad, 0);
    c[0].callpath_id = 99; /* the map refuses it */
    c[0].function_id = 1;
    CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(c, n, 0, 0, 1, &buf, err, sizeof err), 0);
    CU_ASSERT_EQUAL(pscope_tb_remap(buf.data, buf.len, 6, 77, add_1000, NULL, &out, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "trace block: no id for call path entry 0");
    pscope_tb_block_free(&b);
    pscope_tb_buf_free(&buf);
    pscope_tb_buf_free(&out);
    free(c);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("traceblk", NULL, NULL);
    CU_add_test(s, "layout of a two-call block, by hand", test_layout_by_hand);
    CU_add_test(s, "edge values round-trip", test_edge_values);
    CU_add_test(s, "random full block round-trips", test_random_full_block);
    CU_add_test(s, "zstd used when it pays", test_zstd_pays);
    CU_add_test(s, "encoder rejects bad calls", test_encoder_rejects);
    CU_add_test(s, "truncated/flipped plain block rejected", test_truncated_and_flipped_plain);
    CU_add_test(s, "truncated/flipped zstd block rejected", test_truncated_and_flipped_zstd);
    CU_add_test(s, "valid checksum, bad content", test_valid_crc_bad_content);
    CU_add_test(s, "header and function set", test_info_and_functions);
    CU_add_test(s, "remap ids", test_remap);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
