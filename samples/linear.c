/* samples/linear.c: a linear extract -> transform -> load (ETL) job over N records.
 *
 * Usage: linear [N] [--help]
 *   N   source records, 1..10000000, default 300000.
 * Prints one line: n, records extracted and rejected, customers loaded, the total amount
 * in euro cents and a checksum of the loaded table. Deterministic (integer arithmetic
 * only). Bad arguments: one line on stderr, exit 2; out of memory: exit 1.
 *
 * Stages (pscope_stage_*, each with records in/out and one record mark per record):
 *   extract   (extract_all): format_source_line renders source record i as a CSV line
 *             "id,customer,currency,amount_cents,category" (the simulated source), then
 *             parse_line parses it back (parse_unsigned 3x, parse_currency 1x per line).
 *             Every 97th line (i % 97 == 96) carries a malformed amount and is rejected.
 *             records N in, N - N/97 out; counter "rejected_lines" += N/97.
 *   transform (transform_all -> transform_record): converts the amount to euro cents
 *             (convert_to_eur, integer parts per million), adds VAT by category and
 *             computes the customer key (customer_key, FNV-1a of the name).
 *             records in = out = extracted.
 *   load      (load_all -> load_record -> table_find_slot): upserts each record into an
 *             open-addressing table of N/10 + 1 customers (count and total per customer).
 *             records in = out = extracted.
 * Calls per run (exact): format_source_line N, customer_of N, parse_line N, parse_currency N,
 * parse_unsigned 3N - N/97 (a rejected line stops at its amount), transform_record,
 * convert_to_eur, customer_key, load_record and table_find_slot N - N/97 each; main,
 * run_etl, extract_all, transform_all, load_all 1 each. All O(N): a linear profile for
 * scaling tests. The run's scale is N (pscope_set_scale).
 *
 * Default run (N = 300000): 296908 extracted, 3092 rejected, 30001 customers.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pscope.h"
#include "sample_cli.h"

#define DEFAULT_N 300000ul
#define MAX_N 10000000ul
#define REJECT_PERIOD 97u
#define CURRENCY_COUNT 5u
#define CATEGORY_COUNT 4u
#define LINE_MAX_BYTES 96

struct currency {
    char code[4];
    uint64_t eur_ppm; /* euro cents per 10^6 cents of this currency */
};

static const struct currency currencies[CURRENCY_COUNT] = {
    { "EUR", 1000000 }, { "USD", 920000 }, { "GBP", 1170000 }, { "JPY", 6100 },
    { "CHF", 1040000 },
};

/* VAT in per mille for each product category. */
static const uint64_t vat_per_mille[CATEGORY_COUNT] = { 0, 70, 190, 200 };

/* A parsed source record. */
struct source_record {
    uint64_t id;
    char customer[16];
    unsigned currency; /* index into currencies[] */
    uint64_t amount_cents;
    unsigned category;
};

/* A record ready to load. */
struct target_record {
    uint64_t customer_key;
    uint64_t eur_cents; /* amount in euro cents, VAT included */
};

/* One customer's aggregate in the load table; key 0 marks an empty slot. */
struct customer_total {
    uint64_t key;
    uint64_t records;
    uint64_t eur_cents;
};

struct customer_table {
    struct customer_total *slots;
    size_t capacity; /* power of two */
    size_t used;
};

/* Customer number of source record i: spreads records over `customers` customers. */
__attribute__((noinline)) static unsigned customer_of(uint64_t i, unsigned customers)
{
    return (unsigned)((i * 7919u + i / 13u) % customers);
}

/* Renders source record i as a CSV line into line[LINE_MAX_BYTES]. */
__attribute__((noinline)) static void format_source_line(uint64_t i, unsigned customers,
                                                         char *line)
{
    uint64_t mixed = (i + 1) * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t amount = (mixed >> 33) % 100000u + 1u;
    unsigned currency = (unsigned)((i / 3u) % CURRENCY_COUNT);
    unsigned category = (unsigned)((mixed >> 17) % CATEGORY_COUNT);
    if (i % REJECT_PERIOD == REJECT_PERIOD - 1)
        snprintf(line, LINE_MAX_BYTES, "%" PRIu64 ",cust-%06u,%s,n/a,%u", i,
                 customer_of(i, customers), currencies[currency].code, category);
    else
        snprintf(line, LINE_MAX_BYTES, "%" PRIu64 ",cust-%06u,%s,%" PRIu64 ",%u", i,
                 customer_of(i, customers), currencies[currency].code, amount, category);
}

/* Parses a decimal field ending at ',' or the end of the line; advances *cursor past the
 * separator. Returns false when the field is empty or not a number. */
__attribute__((noinline)) static bool parse_unsigned(const char **cursor, uint64_t *value)
{
    const char *p = *cursor;
    uint64_t v = 0;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        v = v * 10u + (uint64_t)(*p++ - '0');
    if (*p != ',' && *p != '\0')
        return false;
    *cursor = *p == ',' ? p + 1 : p;
    *value = v;
    return true;
}

/* Parses a 3-letter currency code field; advances *cursor past the separator. */
__attribute__((noinline)) static bool parse_currency(const char **cursor, unsigned *currency)
{
    const char *p = *cursor;
    for (unsigned c = 0; c < CURRENCY_COUNT; c++) {
        if (strncmp(p, currencies[c].code, 3) == 0 && p[3] == ',') {
            *currency = c;
            *cursor = p + 4;
            return true;
        }
    }
    return false;
}

/* Parses one CSV line into *rec. Returns false for a malformed line. */
__attribute__((noinline)) static bool parse_line(const char *line, struct source_record *rec)
{
    const char *cursor = line;
    uint64_t category = 0;
    if (!parse_unsigned(&cursor, &rec->id))
        return false;
    const char *comma = strchr(cursor, ',');
    if (comma == NULL || (size_t)(comma - cursor) >= sizeof rec->customer)
        return false;
    memcpy(rec->customer, cursor, (size_t)(comma - cursor));
    rec->customer[comma - cursor] = '\0';
    cursor = comma + 1;
    if (!parse_currency(&cursor, &rec->currency) || !parse_unsigned(&cursor, &rec->amount_cents) ||
        !parse_unsigned(&cursor, &category) || category >= CATEGORY_COUNT)
        return false;
    rec->category = (unsigned)category;
    return true;
}

/* Amount in euro cents, rounded half up. */
__attribute__((noinline)) static uint64_t convert_to_eur(uint64_t cents, unsigned currency)
{
    return (cents * currencies[currency].eur_ppm + 500000u) / 1000000u;
}

/* FNV-1a 64-bit hash of the customer name, never 0 (0 marks an empty table slot). */
__attribute__((noinline)) static uint64_t customer_key(const char *name)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        hash ^= *p;
        hash *= 0x100000001b3ull;
    }
    return hash == 0 ? 1 : hash;
}

__attribute__((noinline)) static void transform_record(const struct source_record *in,
                                                       struct target_record *out)
{
    uint64_t net = convert_to_eur(in->amount_cents, in->currency);
    out->eur_cents = net + (net * vat_per_mille[in->category] + 500u) / 1000u;
    out->customer_key = customer_key(in->customer);
}

/* Slot holding key, or the empty slot where it belongs (linear probing). The table is
 * never more than half full, so the probe ends. */
__attribute__((noinline)) static struct customer_total *table_find_slot(struct customer_table *table,
                                                                        uint64_t key)
{
    size_t mask = table->capacity - 1;
    size_t slot = (size_t)(key ^ (key >> 29)) & mask;
    while (table->slots[slot].key != 0 && table->slots[slot].key != key)
        slot = (slot + 1) & mask;
    return &table->slots[slot];
}

__attribute__((noinline)) static void load_record(struct customer_table *table,
                                                  const struct target_record *rec)
{
    struct customer_total *total = table_find_slot(table, rec->customer_key);
    if (total->key == 0) {
        total->key = rec->customer_key;
        table->used++;
    }
    total->records++;
    total->eur_cents += rec->eur_cents;
}

/* Stage "extract": renders and parses n lines into out; returns how many parsed. */
__attribute__((noinline)) static size_t extract_all(uint64_t n, unsigned customers,
                                                    struct source_record *out)
{
    pscope_stage *stage = pscope_stage_begin("extract");
    char line[LINE_MAX_BYTES];
    size_t parsed = 0;
    for (uint64_t i = 0; i < n; i++) {
        format_source_line(i, customers, line);
        if (parse_line(line, &out[parsed]))
            parsed++;
        pscope_stage_record(stage);
    }
    pscope_stage_records(stage, n, parsed);
    pscope_counter_add("rejected_lines", (double)(n - parsed));
    pscope_stage_end(stage);
    return parsed;
}

/* Stage "transform": one target record per source record. */
__attribute__((noinline)) static void transform_all(const struct source_record *in, size_t count,
                                                    struct target_record *out)
{
    pscope_stage *stage = pscope_stage_begin("transform");
    for (size_t i = 0; i < count; i++) {
        transform_record(&in[i], &out[i]);
        pscope_stage_record(stage);
    }
    pscope_stage_records(stage, count, count);
    pscope_stage_end(stage);
}

/* Stage "load": upserts every record into the customer table. */
__attribute__((noinline)) static void load_all(const struct target_record *in, size_t count,
                                               struct customer_table *table)
{
    pscope_stage *stage = pscope_stage_begin("load");
    for (size_t i = 0; i < count; i++) {
        load_record(table, &in[i]);
        pscope_stage_record(stage);
    }
    pscope_stage_records(stage, count, count);
    pscope_stage_end(stage);
}

struct etl_result {
    size_t extracted;
    size_t customers;
    uint64_t total_eur_cents;
    uint64_t checksum; /* order-independent mix of every customer's key and totals */
};

/* Runs the three stages over n records. Returns 0, or -1 when memory runs out. */
__attribute__((noinline)) static int run_etl(uint64_t n, struct etl_result *result)
{
    unsigned customers = (unsigned)(n / 10u + 1u);
    struct customer_table table = { .capacity = 16 };
    while (table.capacity < 2u * (size_t)customers)
        table.capacity *= 2;
    struct source_record *source = malloc((size_t)n * sizeof *source);
    struct target_record *target = malloc((size_t)n * sizeof *target);
    table.slots = calloc(table.capacity, sizeof *table.slots);
    int rc = -1;
    if (source != NULL && target != NULL && table.slots != NULL) {
        size_t extracted = extract_all(n, customers, source);
        transform_all(source, extracted, target);
        load_all(target, extracted, &table);
        memset(result, 0, sizeof *result);
        result->extracted = extracted;
        result->customers = table.used;
        for (size_t s = 0; s < table.capacity; s++) {
            const struct customer_total *t = &table.slots[s];
            if (t->key == 0)
                continue;
            result->total_eur_cents += t->eur_cents;
            result->checksum += (t->key ^ (t->records << 40)) * (t->eur_cents | 1u);
        }
        rc = 0;
    } else {
        fprintf(stderr, "linear: out of memory for %" PRIu64 " records\n", n);
    }
    free(source);
    free(target);
    free(table.slots);
    return rc;
}

/* Prints the --help text. Command-line handling is not instrumented: it is no part of
 * the workload being profiled. */
PSCOPE_NOINSTR static void print_usage(FILE *to)
{
    fprintf(to,
            "usage: linear [N]\n"
            "  N           source records, 1..%lu, default %lu\n"
            "  -h, --help  show this help\n"
            "Extracts (renders and parses CSV lines), transforms (currency, VAT, key) and\n"
            "loads (per-customer totals) N records; prints the totals. Deterministic.\n",
            MAX_N, DEFAULT_N);
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    unsigned long n = DEFAULT_N;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        if (c == 'h') {
            print_usage(stdout);
            return EXIT_SUCCESS;
        }
        sample_unknown_option("linear", argv);
        return 2;
    }
    if (sample_positional_n("linear", argc, argv, 1, MAX_N, &n) != 0)
        return 2;
    pscope_set_scale((double)n);
    struct etl_result result;
    if (run_etl(n, &result) != 0)
        return EXIT_FAILURE;
    printf("linear: n=%lu extracted=%zu rejected=%zu customers=%zu total_eur_cents=%" PRIu64
           " checksum=%016" PRIx64 "\n",
           n, result.extracted, (size_t)n - result.extracted, result.customers,
           result.total_eur_cents, result.checksum);
    return EXIT_SUCCESS;
}
