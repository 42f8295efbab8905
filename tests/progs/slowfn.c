/* tests/progs/slowfn.c: a deterministic workload of 12 leaf functions with a controllable
 * slowdown or call-count change of any one of them, for pscope-diff's end-to-end tests and
 * scripts/accuracy_diff.sh.
 *
 * Usage: slowfn [ROUNDS] [--slow NAME=FACTOR] [--calls NAME=FACTOR]
 *   ROUNDS   rounds of work, 1..100000, default 100 (about 0.1 s unprofiled here).
 *   --slow NAME=FACTOR   NAME's loop runs FACTOR times its iterations on every call
 *            (FACTOR 0.1..10): its self time per call scales by FACTOR, its call count and
 *            every other function stay exactly the same.
 *   --calls NAME=FACTOR  NAME is called round(FACTOR x its calls) times per round
 *            (FACTOR 0.1..10) at the same time per call: a pure call-count change.
 * Bad arguments: one line on stderr, exit 2. Prints one line (the checksum, identical for
 * any --slow: the extra iterations only feed a separate sink).
 *
 * Profile (exact, per run): main 1 call, run_round ROUNDS calls; each leaf k of the 12 in
 * `leaves` below is called leaves[k].calls times per round (x --calls), each call iterating
 * leaves[k].iters times (x --slow); shares of self time between about 3% and 14%.
 * note_progress (1 call per 10 rounds, tiny) is below the 1% noise floor.
 * Argument parsing is not instrumented, so runs with and without options profile the same
 * functions. Built like every test program (-O1 -fno-inline -finstrument-functions).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINSTR __attribute__((no_instrument_function))
#define NLEAF 12

static volatile double sink;       /* the checksum's work */
static volatile double extra_sink; /* the extra (--slow) iterations */

/* The loop of every leaf: `iters` dependent multiply-adds, the first `base` of which feed
 * the checksum. */
#define LEAF_WORK(seed, iters, base)                          \
    do {                                                      \
        double x_ = (seed), y_ = 0.0;                         \
        unsigned long n_ = (iters);                           \
        for (unsigned long i_ = 0; i_ < n_; i_++) {           \
            x_ = x_ * 1.0000001 + 0.5;                        \
            if (i_ == (base) - 1)                             \
                y_ = x_;                                      \
        }                                                     \
        sink += n_ >= (base) ? y_ : x_;                       \
        extra_sink += x_;                                     \
    } while (0)

typedef struct leaf {
    const char *name;
    unsigned long iters;  /* loop iterations per call */
    unsigned calls;       /* calls per round */
    double slow, more;    /* --slow and --calls factors */
} leaf;

static leaf leaves[NLEAF] = {
    { "parse_header", 1500, 4, 1, 1 },  { "decode_block", 2400, 3, 1, 1 },
    { "checksum", 900, 6, 1, 1 },       { "tokenize", 1200, 5, 1, 1 },
    { "hash_key", 700, 8, 1, 1 },       { "lookup", 2000, 3, 1, 1 },
    { "compress_chunk", 3000, 2, 1, 1 }, { "transform", 1800, 3, 1, 1 },
    { "score", 1100, 4, 1, 1 },         { "encode_out", 1600, 3, 1, 1 },
    { "validate", 800, 5, 1, 1 },       { "flush_buf", 2600, 1, 1, 1 },
};

#define LEAF_FN(fname, k)                                                              \
    __attribute__((noinline)) static void fname(double seed)                          \
    {                                                                                  \
        LEAF_WORK(seed, (unsigned long)llround((double)leaves[k].iters * leaves[k].slow), \
                  leaves[k].iters);                                                    \
    }
LEAF_FN(parse_header, 0)
LEAF_FN(decode_block, 1)
LEAF_FN(checksum, 2)
LEAF_FN(tokenize, 3)
LEAF_FN(hash_key, 4)
LEAF_FN(lookup, 5)
LEAF_FN(compress_chunk, 6)
LEAF_FN(transform, 7)
LEAF_FN(score, 8)
LEAF_FN(encode_out, 9)
LEAF_FN(validate, 10)
LEAF_FN(flush_buf, 11)

static void (*const leaf_fn[NLEAF])(double) = {
    parse_header, decode_block, checksum, tokenize, hash_key, lookup,
    compress_chunk, transform, score, encode_out, validate, flush_buf,
};

__attribute__((noinline)) static void note_progress(unsigned round)
{
    sink += round * 1e-9;
}

__attribute__((noinline)) static void run_round(unsigned round)
{
    for (unsigned k = 0; k < NLEAF; k++) {
        unsigned long n = (unsigned long)llround(leaves[k].calls * leaves[k].more);
        for (unsigned long c = 0; c < n; c++)
            leaf_fn[k](round + k * 0.001 + (double)c * 1e-6);
    }
    if (round % 10 == 0)
        note_progress(round);
}

/* Parse NAME=FACTOR into the leaf's factor chosen by `calls`; 0, or -1 after a message. */
NOINSTR static int parse_factor(const char *opt, const char *arg, int calls)
{
    const char *eq = strchr(arg, '=');
    char *end = NULL;
    double f = eq ? strtod(eq + 1, &end) : 0.0;
    if (!eq || end == eq + 1 || *end != '\0' || !(f >= 0.1 && f <= 10.0)) {
        fprintf(stderr, "slowfn: %s: expected NAME=FACTOR with FACTOR in 0.1..10, got '%s'\n",
                opt, arg);
        return -1;
    }
    for (unsigned k = 0; k < NLEAF; k++)
        if (strlen(leaves[k].name) == (size_t)(eq - arg)
            && strncmp(leaves[k].name, arg, (size_t)(eq - arg)) == 0) {
            *(calls ? &leaves[k].more : &leaves[k].slow) = f;
            return 0;
        }
    fprintf(stderr, "slowfn: %s: no function '%.*s'\n", opt, (int)(eq - arg), arg);
    return -1;
}

NOINSTR static int parse_args(int argc, char **argv, unsigned long *rounds)
{
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "--slow") || !strcmp(argv[i], "--calls")) && i + 1 < argc) {
            if (parse_factor(argv[i], argv[i + 1], argv[i][2] == 'c') != 0)
                return -1;
            i++;
        } else {
            char *end = NULL;
            unsigned long v = strtoul(argv[i], &end, 10);
            if (argv[i][0] < '0' || argv[i][0] > '9' || *end || v < 1 || v > 100000) {
                fprintf(stderr, "slowfn: bad argument '%s' (usage: slowfn [ROUNDS] "
                                "[--slow NAME=F] [--calls NAME=F])\n", argv[i]);
                return -1;
            }
            *rounds = v;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long rounds = 100;
    if (parse_args(argc, argv, &rounds) != 0)
        return 2;
    for (unsigned long r = 1; r <= rounds; r++)
        run_round((unsigned)r);
    printf("slowfn %lu rounds checksum %.6e\n", rounds, sink);
    return 0;
}
