/* common/traceblk.h: the compact trace block format (docs/schema.md, "Trace blocks"): the
 * completed calls of one thread, in completion order, encoded as one BLOB of the
 * call_block table. Pure code, no SQLite: the collector encodes with it, the SQLite
 * extension (pscope_calls) and tools/lib decode with it.
 *
 * A block holds up to PSCOPE_TB_MAX_CALLS calls. Its header (uncompressed) carries the
 * run and thread, the entry-time range and the call-path dictionary (call path, function,
 * depth of every path that occurs), so a reader can skip a block by thread, time or
 * function without decoding its columns. The columns (varints, deltas) follow, optionally
 * zstd-compressed; a CRC-32 over the whole block rejects corruption.
 *
 * Ownership: the encoder writes into a caller-owned pscope_tb_buf (grown with realloc;
 * the caller frees buf.data); the decoder fills caller-owned arrays it grows itself
 * (pscope_tb_block, released with pscope_tb_block_free). Nothing is global; every
 * function is reentrant.
 */
#ifndef PSCOPE_TRACEBLK_H
#define PSCOPE_TRACEBLK_H

#include <stddef.h>
#include <stdint.h>

#define PSCOPE_TB_NOINSTR __attribute__((no_instrument_function))

#define PSCOPE_TB_MAGIC "PSTB"       /* first four bytes of every block */
#define PSCOPE_TB_VERSION 1          /* format version in byte 4 */
#define PSCOPE_TB_FLAG_ZSTD 1u       /* flags bit 0: the column section is one zstd frame */
#define PSCOPE_TB_HEADER 24          /* bytes of the fixed header */
#define PSCOPE_TB_MAX_CALLS 65536u   /* calls per block, at most */
#define PSCOPE_TB_ENCODING "pstb1"   /* call_block.encoding of this version */

/* One completed call: the columns of the `call` table without run and thread (a block has
 * one of each). call.id = run_id * 2^40 + seq; call.parent_id = run_id * 2^40 + parent_seq
 * or NULL when parent_seq is 0. */
typedef struct pscope_tcall {
    uint64_t seq;          /* entry sequence number within the run, >= 1 */
    uint64_t parent_seq;   /* the enclosing call's seq, < seq; 0 = none */
    int64_t callpath_id;   /* callpath.id */
    int64_t function_id;   /* function.id (of the call path) */
    uint32_t depth;        /* callpath.depth */
    uint64_t ts;           /* entry, ns since run start */
    uint64_t dur;          /* inclusive duration, ns */
    uint64_t self_dur;     /* exclusive duration, ns, <= dur */
} pscope_tcall;

/* One call-path dictionary entry of a block. */
typedef struct pscope_tb_path {
    int64_t callpath_id, function_id;
    uint32_t depth;
} pscope_tb_path;

/* Output buffer of the encoder with its working memory. Zero-initialise; reuse across
 * blocks; release with pscope_tb_buf_free. */
typedef struct pscope_tb_buf {
    uint8_t *data;            /* the encoded block, len bytes */
    size_t len, cap;
    uint8_t *cols;            /* working memory: the plain column section */
    size_t cols_cap;
    uint32_t *slot;           /* working memory: dictionary hash table */
    uint32_t slot_cap;
    pscope_tb_path *paths;    /* working memory: dictionary */
    uint32_t paths_cap;
    void *zctx;               /* zstd compression context, created on first use */
} pscope_tb_buf;


/* The header of a block, readable without decoding its calls. */
typedef struct pscope_tb_info {
    uint32_t ncalls;          /* calls in the block, 1..PSCOPE_TB_MAX_CALLS */
    uint32_t flags;           /* PSCOPE_TB_FLAG_* */
    int64_t run_id, thread_id;
    uint64_t ts_min, ts_max;  /* smallest and largest entry ts of the block's calls */
    uint32_t npaths;          /* dictionary entries */
    const uint8_t *paths;     /* encoded dictionary (inside the block); see pscope_tb_paths */
    size_t paths_len;
    const uint8_t *cols;      /* column section as stored (maybe compressed) */
    size_t cols_len;
    size_t raw_cols_len;      /* column section length after decompression */
} pscope_tb_info;

/* A decoded block: its header, dictionary and calls. Zero-initialise; reuse across
 * blocks (arrays are grown, not shrunk); release with pscope_tb_block_free. */
typedef struct pscope_tb_block {
    pscope_tb_info info;
    pscope_tb_path *paths;
    uint32_t paths_cap;
    pscope_tcall *calls;
    uint32_t calls_cap;
    uint8_t *scratch;         /* decompressed columns */
    size_t scratch_cap;
    void *zctx;               /* zstd decompression context, created on first use */
} pscope_tb_block;

/* Encode n calls (1..PSCOPE_TB_MAX_CALLS, completion order of one thread) of run_id and
 * thread_id into out (replacing its contents). zstd_level > 0 compresses the columns with
 * that zstd level when that makes the block smaller; 0 stores them plainly.
 * Returns 0; -1 with err set (one line) when a call breaks the contract of pscope_tcall
 * (seq 0, parent_seq >= seq, self_dur > dur, ts + dur overflowing, negative ids), n is
 * out of range, or memory runs out. */
PSCOPE_TB_NOINSTR int pscope_tb_encode(const pscope_tcall *calls, uint32_t n, int64_t run_id,
                                       int64_t thread_id, int zstd_level, pscope_tb_buf *out,
                                       char *err, size_t errlen);

/* Release what buf owns and zero it. */
PSCOPE_TB_NOINSTR void pscope_tb_buf_free(pscope_tb_buf *buf);

/* Parse and verify a block's header and checksum without decoding its calls. Returns 0
 * with *info filled (pointers into data); -1 with err set when the block is truncated,
 * has a bad magic, unknown version or flags, a bad checksum or inconsistent lengths. */
PSCOPE_TB_NOINSTR int pscope_tb_info_parse(const uint8_t *data, size_t len, pscope_tb_info *info,
                                           char *err, size_t errlen);

/* Decode the dictionary of a parsed block into b->paths (b->info must be set, e.g. by
 * pscope_tb_info_parse into &b->info). Returns 0, or -1 with err set. */
PSCOPE_TB_NOINSTR int pscope_tb_paths(pscope_tb_block *b, char *err, size_t errlen);

/* 1 if function_id occurs in the decoded dictionary of b, else 0. */
PSCOPE_TB_NOINSTR int pscope_tb_has_function(const pscope_tb_block *b, int64_t function_id);

/* Decode a whole block: header, checksum, dictionary and every call into b. Returns 0;
 * -1 with err set on any inconsistency (truncated or corrupt data never reads outside
 * [data, data + len) and never yields a call breaking the pscope_tcall contract). */
PSCOPE_TB_NOINSTR int pscope_tb_decode(const uint8_t *data, size_t len, pscope_tb_block *b,
                                       char *err, size_t errlen);

/* Decode a block only if some call in it may pass a filter — entry ts in [ts_lo, ts_hi],
 * and when has_function, function_id — judged from the header and dictionary alone.
 * run_id and thread_id are what the block's row says; a block saying otherwise is an
 * error. Returns 1 when decoded into b, 0 when skipped (no call can pass; b->calls is
 * then not valid), -1 with err set when the block is damaged or misplaced. */
PSCOPE_TB_NOINSTR int pscope_tb_decode_if(const uint8_t *data, size_t len, int64_t run_id,
                                          int64_t thread_id, uint64_t ts_lo, uint64_t ts_hi,
                                          int has_function, int64_t function_id,
                                          pscope_tb_block *b, char *err, size_t errlen);

/* Rewrite a block with new ids: the run and thread become run_id and thread_id, and each
 * dictionary entry's callpath_id and function_id are passed to map, which replaces them
 * (returns 0, or -1 to fail). Calls, order and columns are kept byte for byte; the
 * checksum is recomputed. For writers that encode before the final ids are known.
 * Returns 0 with the new block in out; -1 with err set on a bad block or a map failure. */
typedef int (*pscope_tb_map_fn)(void *arg, int64_t *callpath_id, int64_t *function_id);
PSCOPE_TB_NOINSTR int pscope_tb_remap(const uint8_t *data, size_t len, int64_t run_id,
                                      int64_t thread_id, pscope_tb_map_fn map, void *arg,
                                      pscope_tb_buf *out, char *err, size_t errlen);

/* Release what b owns and zero it. */
PSCOPE_TB_NOINSTR void pscope_tb_block_free(pscope_tb_block *b);

#endif /* PSCOPE_TRACEBLK_H */
