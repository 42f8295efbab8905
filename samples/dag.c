/* samples/dag.c: a fan-out / fan-in job: one source feeds four branches, then a merge.
 *
 * Usage: dag [N] [--parallel] [--help]
 *   N            values, 1..20000000, default 500000.
 *   --parallel   run the four branches on four threads (fan-out) and join them (fan-in);
 *                by default they run one after the other on the main thread.
 * Prints one line: n, the minimum, median, 99th percentile and maximum value, the most
 * common histogram bucket, the sum of the 10 largest values, a checksum, and whether the
 * branches agree (the sort's maximum and the top-10's largest must be equal). The output
 * is deterministic and the same with and without --parallel. Bad arguments: one line on
 * stderr, exit 2; out of memory or a thread that cannot start: exit 1.
 *
 * The graph (each node a stage with records in/out; stages on the thread that runs them):
 *              +-> sort      (branch_sort: copy, merge_sort -> merge_runs/insertion_sort;
 *              |              records N in, N out)
 *   source --->+-> histogram (branch_histogram -> bucket_of per value; N in, 64 out)
 *   (N values) +-> topk      (branch_topk -> heap_offer per value; N in, 10 out)
 *              +-> checksum  (branch_checksum -> mix_value per value; N in, 1 out)
 *                       \___ all four ___> merge (merge_results; 4 in, 1 out)
 * source: source_all -> make_value per value (records 0 in, N out; one mark per value).
 * Calls per run (exact): make_value, bucket_of, heap_offer and mix_value N each; main,
 * source_all, run_branches, branch_sort, branch_histogram, branch_topk, branch_checksum
 * and merge_results 1 each; merge_sort recursion over ranges halved down to 16 values or fewer
 * (insertion_sort at each leaf, merge_runs at each inner node). The sort makes the run
 * O(N log N); everything else is O(N). The run's scale is N (pscope_set_scale).
 * With --parallel, branch_worker runs 4 times (once per thread), 5 threads in all.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pscope.h"
#include "sample_cli.h"

#define DEFAULT_N 500000ul
#define MAX_N 20000000ul
#define HISTOGRAM_BUCKETS 64u
#define TOP_K 10u
#define INSERTION_SORT_MAX 16u
#define SOURCE_SEED 0x853C49E6748FEA9Bull

/* Results of the four branches, each written by its branch only. */
struct branch_results {
    uint32_t min, median, p99, max;          /* sort */
    uint64_t histogram[HISTOGRAM_BUCKETS];   /* histogram */
    uint32_t top[TOP_K];                     /* topk: min-heap of the largest values */
    unsigned top_count;
    uint64_t checksum;                       /* checksum */
    bool sort_failed;                        /* sort: no memory for its copy */
};

struct report {
    uint32_t min, median, p99, max;
    unsigned mode_bucket;
    uint64_t top_sum;
    uint64_t checksum;
    bool consistent;
};

/* The input every branch reads (read-only after the source stage). */
struct dag_input {
    const uint32_t *values;
    size_t n;
    struct branch_results *results;
};

/* Next source value: xorshift64 mixed down to 32 bits, skewed towards small values. */
__attribute__((noinline)) static uint32_t make_value(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    uint32_t wide = (uint32_t)(x >> 32);
    uint32_t shift = (uint32_t)(x & 7u);
    return wide >> shift;
}

/* Stage "source": fills values[0..n). */
__attribute__((noinline)) static void source_all(uint32_t *values, size_t n)
{
    pscope_stage *stage = pscope_stage_begin("source");
    uint64_t state = SOURCE_SEED;
    for (size_t i = 0; i < n; i++) {
        values[i] = make_value(&state);
        pscope_stage_record(stage);
    }
    pscope_stage_records(stage, 0, n);
    pscope_stage_end(stage);
}

__attribute__((noinline)) static void insertion_sort(uint32_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* Merges the sorted halves a[0..mid) and a[mid..n) through tmp. */
__attribute__((noinline)) static void merge_runs(uint32_t *a, size_t mid, size_t n, uint32_t *tmp)
{
    size_t i = 0, j = mid, k = 0;
    while (i < mid && j < n)
        tmp[k++] = a[j] < a[i] ? a[j++] : a[i++];
    while (i < mid)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

/* Stable top-down merge sort of a[0..n) using tmp[0..n). */
__attribute__((noinline)) static void merge_sort(uint32_t *a, size_t n, uint32_t *tmp)
{
    if (n <= INSERTION_SORT_MAX) {
        insertion_sort(a, n);
        return;
    }
    size_t mid = n / 2;
    merge_sort(a, mid, tmp);
    merge_sort(a + mid, n - mid, tmp);
    merge_runs(a, mid, n, tmp);
}

/* Branch "sort": order statistics from a sorted copy. */
__attribute__((noinline)) static void branch_sort(const struct dag_input *in)
{
    pscope_stage *stage = pscope_stage_begin("sort");
    uint32_t *copy = malloc(in->n * sizeof *copy);
    uint32_t *tmp = malloc(in->n * sizeof *tmp);
    struct branch_results *r = in->results;
    if (copy == NULL || tmp == NULL) {
        r->sort_failed = true;
    } else {
        memcpy(copy, in->values, in->n * sizeof *copy);
        merge_sort(copy, in->n, tmp);
        r->min = copy[0];
        r->median = copy[(in->n - 1) / 2];
        r->p99 = copy[(in->n - 1) * 99 / 100];
        r->max = copy[in->n - 1];
        pscope_stage_records(stage, in->n, in->n);
    }
    free(copy);
    free(tmp);
    pscope_stage_end(stage);
}

/* Histogram bucket of v: its position in [0, 2^32) cut into HISTOGRAM_BUCKETS. */
__attribute__((noinline)) static unsigned bucket_of(uint32_t v)
{
    return (unsigned)(v / (UINT32_MAX / HISTOGRAM_BUCKETS + 1u));
}

/* Branch "histogram". */
__attribute__((noinline)) static void branch_histogram(const struct dag_input *in)
{
    pscope_stage *stage = pscope_stage_begin("histogram");
    uint64_t *histogram = in->results->histogram;
    memset(histogram, 0, HISTOGRAM_BUCKETS * sizeof *histogram);
    for (size_t i = 0; i < in->n; i++)
        histogram[bucket_of(in->values[i])]++;
    pscope_stage_records(stage, in->n, HISTOGRAM_BUCKETS);
    pscope_stage_end(stage);
}

/* Offers v to the min-heap of the TOP_K largest values seen. */
__attribute__((noinline)) static void heap_offer(uint32_t *heap, unsigned *count, uint32_t v)
{
    unsigned i;
    if (*count < TOP_K) {
        i = (*count)++;
        while (i > 0 && heap[(i - 1) / 2] > v) {
            heap[i] = heap[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        heap[i] = v;
        return;
    }
    if (v <= heap[0])
        return;
    i = 0;
    for (;;) {
        unsigned child = 2 * i + 1;
        if (child >= TOP_K)
            break;
        if (child + 1 < TOP_K && heap[child + 1] < heap[child])
            child++;
        if (heap[child] >= v)
            break;
        heap[i] = heap[child];
        i = child;
    }
    heap[i] = v;
}

/* Branch "topk". */
__attribute__((noinline)) static void branch_topk(const struct dag_input *in)
{
    pscope_stage *stage = pscope_stage_begin("topk");
    struct branch_results *r = in->results;
    r->top_count = 0;
    for (size_t i = 0; i < in->n; i++)
        heap_offer(r->top, &r->top_count, in->values[i]);
    pscope_stage_records(stage, in->n, r->top_count);
    pscope_stage_end(stage);
}

/* Folds value (at position i) into an order-dependent 64-bit checksum. */
__attribute__((noinline)) static uint64_t mix_value(uint64_t checksum, uint32_t value, size_t i)
{
    uint64_t x = checksum ^ ((uint64_t)value << 17) ^ (uint64_t)i;
    x *= 0xff51afd7ed558ccdull;
    return x ^ (x >> 33);
}

/* Branch "checksum". */
__attribute__((noinline)) static void branch_checksum(const struct dag_input *in)
{
    pscope_stage *stage = pscope_stage_begin("checksum");
    uint64_t checksum = 0;
    for (size_t i = 0; i < in->n; i++)
        checksum = mix_value(checksum, in->values[i], i);
    in->results->checksum = checksum;
    pscope_stage_records(stage, in->n, 1);
    pscope_stage_end(stage);
}

typedef void (*branch_fn)(const struct dag_input *);
static const branch_fn branches[] = { branch_sort, branch_histogram, branch_topk,
                                      branch_checksum };
#define BRANCH_COUNT (sizeof branches / sizeof branches[0])

struct branch_job {
    branch_fn run;
    const struct dag_input *input;
};

/* Thread start routine of --parallel: runs one branch. */
__attribute__((noinline)) static void *branch_worker(void *arg)
{
    const struct branch_job *job = arg;
    job->run(job->input);
    return NULL;
}

/* Stage "merge": the fan-in of the four branch results into the report. */
__attribute__((noinline)) static void merge_results(const struct branch_results *r,
                                                    struct report *out)
{
    pscope_stage *stage = pscope_stage_begin("merge");
    memset(out, 0, sizeof *out);
    out->min = r->min;
    out->median = r->median;
    out->p99 = r->p99;
    out->max = r->max;
    for (unsigned b = 1; b < HISTOGRAM_BUCKETS; b++) {
        if (r->histogram[b] > r->histogram[out->mode_bucket])
            out->mode_bucket = b;
    }
    uint32_t top_max = 0;
    for (unsigned k = 0; k < r->top_count; k++) {
        out->top_sum += r->top[k];
        if (r->top[k] > top_max)
            top_max = r->top[k];
    }
    out->checksum = r->checksum;
    out->consistent = top_max == r->max;
    pscope_stage_records(stage, BRANCH_COUNT, 1);
    pscope_stage_end(stage);
}

/* Runs the four branches, one after the other or on their own threads. Returns 0, or -1
 * when a thread cannot start (message printed). */
__attribute__((noinline)) static int run_branches(const struct dag_input *in, bool parallel)
{
    if (!parallel) {
        for (size_t b = 0; b < BRANCH_COUNT; b++)
            branches[b](in);
        return 0;
    }
    pthread_t threads[BRANCH_COUNT];
    struct branch_job jobs[BRANCH_COUNT];
    size_t started = 0;
    int rc = 0;
    for (size_t b = 0; b < BRANCH_COUNT; b++) {
        jobs[b] = (struct branch_job){ .run = branches[b], .input = in };
        if (pthread_create(&threads[b], NULL, branch_worker, &jobs[b]) != 0) {
            fprintf(stderr, "dag: cannot start a branch thread\n");
            rc = -1;
            break;
        }
        started++;
    }
    for (size_t b = 0; b < started; b++)
        pthread_join(threads[b], NULL);
    return rc;
}

/* Prints the --help text. Command-line handling is not instrumented: it is no part of
 * the workload being profiled. */
PSCOPE_NOINSTR static void print_usage(FILE *to)
{
    fprintf(to,
            "usage: dag [N] [--parallel]\n"
            "  N               values, 1..%lu, default %lu\n"
            "  -p, --parallel  run the four branches on their own threads\n"
            "  -h, --help      show this help\n"
            "One source fans out to sort, histogram, top-k and checksum branches, which\n"
            "fan in to a merge; prints the merged report. Deterministic.\n",
            MAX_N, DEFAULT_N);
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "parallel", no_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    unsigned long n = DEFAULT_N;
    bool parallel = false;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "ph", long_options, NULL)) != -1) {
        switch (c) {
        case 'p':
            parallel = true;
            break;
        case 'h':
            print_usage(stdout);
            return EXIT_SUCCESS;
        default:
            sample_unknown_option("dag", argv);
            return 2;
        }
    }
    if (sample_positional_n("dag", argc, argv, 1, MAX_N, &n) != 0)
        return 2;
    pscope_set_scale((double)n);

    uint32_t *values = malloc(n * sizeof *values);
    struct branch_results *results = calloc(1, sizeof *results);
    if (values == NULL || results == NULL) {
        fprintf(stderr, "dag: out of memory for %lu values\n", n);
        free(values);
        free(results);
        return EXIT_FAILURE;
    }
    source_all(values, n);
    struct dag_input input = { .values = values, .n = n, .results = results };
    int rc = run_branches(&input, parallel);
    if (rc == 0 && results->sort_failed) {
        fprintf(stderr, "dag: out of memory for the sort branch\n");
        rc = -1;
    }
    if (rc == 0) {
        struct report report;
        merge_results(results, &report);
        printf("dag: n=%lu min=%" PRIu32 " median=%" PRIu32 " p99=%" PRIu32 " max=%" PRIu32
               " mode_bucket=%u top%u_sum=%" PRIu64 " checksum=%016" PRIx64 " consistent=%s\n",
               n, report.min, report.median, report.p99, report.max, report.mode_bucket, TOP_K,
               report.top_sum, report.checksum, report.consistent ? "yes" : "no");
    }
    free(values);
    free(results);
    return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
