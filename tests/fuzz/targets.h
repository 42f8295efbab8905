/* tests/fuzz/targets.h: the fuzz entry points of pscope's parsers, shared by the libFuzzer
 * build (tests/fuzz/libfuzzer_main.c, `make fuzz`) and the plain replay program
 * (tests/fuzz/replay_main.c, run by tests/e2e/fuzz_regress.sh under `make test`), so a crash
 * input found by the fuzzer is replayed through exactly the same code.
 *
 * Each entry point takes arbitrary bytes, must never crash, hang, leak or exit, and returns
 * 0 (libFuzzer's convention). Diagnostics the library prints on stderr are expected.
 */
#ifndef PSCOPE_FUZZ_TARGETS_H
#define PSCOPE_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

typedef int (*pscope_fuzz_fn)(const uint8_t *data, size_t size);

struct pscope_fuzz_target {
    const char *name;   /* "config", "db", "spec", "regex", ...: also the corpus directory name */
    pscope_fuzz_fn fn;  /* the entry point */
};

/* YAML collector configuration: psc_config_load_buffer + psc_config_to_json. */
int pscope_fuzz_config(const uint8_t *data, size_t size);

/* A database file: the bytes are written to a private temporary file, which is opened and
 * validated with pt_db_open; if accepted, the runs are listed and resolved and the
 * pscope-stats queries and pscope-diff's run loading and comparison are run on it. */
int pscope_fuzz_db(const uint8_t *data, size_t size);

/* Small command-line parsers: the first byte selects one of pt_spec_split (DB:RUN),
 * pt_keys_parse (--sort), pt_parse_int, pt_parse_real, pt_format_parse, psc_parse_duration,
 * diff_metric_parse, diff_fail_on_parse; the rest is the text. */
int pscope_fuzz_spec(const uint8_t *data, size_t size);

/* --filter/--exclude: the bytes are a PCRE2 pattern compiled by pt_filter_add and matched
 * against names including invalid UTF-8 with pt_filter_match. */
int pscope_fuzz_regex(const uint8_t *data, size_t size);

/* pscope-import's readers (tests/fuzz/targets_import.c), each accepted input also
 * written into an in-memory database: Chrome Trace Event JSON (imp_read_chrome); a
 * cProfile marshal file (imp_read_cprofile); uftrace pieces, the first byte choosing a
 * memory map, a symbol file or a task's records (resolved through a fixed map and
 * symbols). */
int pscope_fuzz_chrome(const uint8_t *data, size_t size);
int pscope_fuzz_cprofile(const uint8_t *data, size_t size);
int pscope_fuzz_uftrace(const uint8_t *data, size_t size);

/* A trace block (common/traceblk.h): header, dictionary and full decode, of the bytes as
 * given and again with their checksum corrected (to reach the content checks); whatever
 * decodes must satisfy the call contract and encode again. */
int pscope_fuzz_traceblk(const uint8_t *data, size_t size);

/* Every target, terminated by {NULL, NULL}. */
extern const struct pscope_fuzz_target pscope_fuzz_targets[];

/* The target called `name`, or NULL. */
pscope_fuzz_fn pscope_fuzz_find(const char *name);

#endif
