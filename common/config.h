/* common/config.h: pscope's collector configuration: defaults, the .pscope.yaml file,
 * PSCOPE_* environment variables, in that order of precedence (later wins).
 *
 * Keys (docs/config.md has the full table):
 *   enabled: bool            output: path             label: string
 *   scale: number            max_calls: int (0 = unlimited)
 *   min_duration: duration   max_depth: int           flush_interval: duration
 *   sample_interval: duration (0 = off)               include/exclude: regex or list
 *   expected_size: number (the production n; read by pscope-extrapolate, not the collector)
 *   trace: full | off        trace_max_bytes: int (0 = no cap)
 * Durations are integers in ns or a number with a unit: ns, us, ms, s (e.g. "10ms").
 * A relative `output` in a file is relative to that file's directory; in PSCOPE_OUTPUT,
 * to the working directory.
 * Unknown keys are a warning naming the key and line; bad values are errors.
 */
#ifndef PSCOPE_CONFIG_H
#define PSCOPE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define PSC_CFG_NOINSTR __attribute__((no_instrument_function))

/* Default raw-row budget: see docs/collector.md for how it was chosen. */
#define PSC_DEFAULT_MAX_CALLS 100000
#define PSC_DEFAULT_MAX_DEPTH 1048576u /* a memory guard, not a limit real programs meet */
#define PSC_DEFAULT_FLUSH_NS 200000000ull  /* 200 ms */
#define PSC_DEFAULT_SAMPLE_NS 10000000ull  /* 10 ms */

typedef struct psc_config {
    int enabled;                 /* -1 unset, 0 off, 1 on */
    char *output;                /* database path or NULL (default ./pscope.db) */
    char *label;                 /* run label or NULL */
    double scale;                /* problem size n, NAN if unset */
    double expected_size;        /* target n of pscope-extrapolate, NAN if unset */
    int64_t max_calls;           /* raw-row budget, 0 = unlimited */
    uint64_t min_duration_ns;    /* raw rows only for calls at least this long */
    uint32_t max_depth;          /* deepest tracked stack level */
    uint64_t flush_interval_ns;  /* commit period */
    uint64_t sample_interval_ns; /* resource sampler period, 0 = off */
    char **include;              /* PCRE2 patterns on function names (owned) */
    size_t n_include;
    char **exclude;
    size_t n_exclude;
    char *source;                /* config file that was read, or NULL */
    int trace_full;              /* trace: full (1) | off (0): every call into call_block */
    uint64_t trace_max_bytes;    /* cap on the run's call_block bytes, 0 = none */
} psc_config;

/* Called for each warning (one line, no trailing newline). */
typedef void (*psc_config_warn_fn)(const char *line);

/* Fill c with the defaults. c needs no prior initialisation. */
PSC_CFG_NOINSTR void psc_config_defaults(psc_config *c);

/* Release everything c owns; c is left with defaults. */
PSC_CFG_NOINSTR void psc_config_free(psc_config *c);

/* Find .pscope.yaml in the working directory or its ancestors. Returns a malloc'd path
 * (caller frees) or NULL if none. */
PSC_CFG_NOINSTR char *psc_config_find(void);

/* Read YAML from path into c (only keys present are changed). Returns 0 on success; -1
 * with err set to "PATH:LINE: problem" (or "PATH: problem") on an unreadable file, a YAML
 * syntax error, a duplicate key or a bad value. Unknown keys go to warn (may be NULL). */
PSC_CFG_NOINSTR int psc_config_load_file(psc_config *c, const char *path, psc_config_warn_fn warn,
                                         char *err, size_t errlen);

/* Same as psc_config_load_file on an in-memory buffer; name is used in messages. */
PSC_CFG_NOINSTR int psc_config_load_buffer(psc_config *c, const char *name, const char *buf,
                                           size_t len, psc_config_warn_fn warn, char *err,
                                           size_t errlen);

/* Apply PSCOPE_ENABLED, PSCOPE_OUTPUT, PSCOPE_LABEL, PSCOPE_SCALE, PSCOPE_MAX_CALLS,
 * PSCOPE_MIN_DURATION, PSCOPE_MAX_DEPTH, PSCOPE_FLUSH_INTERVAL, PSCOPE_SAMPLE_INTERVAL,
 * PSCOPE_INCLUDE, PSCOPE_EXCLUDE (one pattern each, added to the lists), PSCOPE_TRACE,
 * PSCOPE_TRACE_MAX_BYTES. Returns 0, or
 * -1 with err naming the variable and problem. */
PSC_CFG_NOINSTR int psc_config_apply_env(psc_config *c, char *err, size_t errlen);

/* Parse a duration ("250", "10ms", "1.5s"). Returns 0 and sets *ns, or -1. */
PSC_CFG_NOINSTR int psc_parse_duration(const char *s, uint64_t *ns);

/* The configuration as a JSON object (malloc'd string, caller frees), or NULL on OOM. */
PSC_CFG_NOINSTR char *psc_config_to_json(const psc_config *c);

#endif
