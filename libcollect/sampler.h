/* libcollect/sampler.h: the resource sampler (sampler.c) and what it hands the writer. */
#ifndef PSCOPE_SAMPLER_H
#define PSCOPE_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

/* One resource sample, as queued by the sampler and completed by the writer. */
typedef struct psc_sample {
    uint64_t ts;          /* ns since run start */
    int tid;              /* sampled thread, 0 for the process-wide row */
    int attribute_tid;    /* process row: thread whose stack top tags it (busiest), 0 none */
    int64_t cpu_user_ns, cpu_sys_ns, rss, rss_delta, minflt, majflt; /* deltas; rss -1 = n/a */
    int gpu_index;        /* -1 without GPU */
    double gpu_util;      /* NAN without GPU */
    int64_t gpu_mem;      /* -1 without GPU */
    const void *top_rec;  /* sampler: record of the thread whose stack top tags the row, or NULL */
    uint32_t top_node;    /* sampler: that thread's innermost frame's tree node then (0 none) */
    uint32_t cp, func;    /* writer: stack top (in-memory indices), UINT32_MAX if none */
} psc_sample;

/* Load NVML if present and, if interval_ns > 0, start the sampler thread. Returns 0, or
 * -1 if the thread could not be created (profiling goes on without samples). */
__attribute__((no_instrument_function)) int psc_sampler_start(uint64_t interval_ns);

/* Stop and join the sampler thread (if running) and unload NVML. */
__attribute__((no_instrument_function)) void psc_sampler_stop(void);

/* Move every queued sample to the caller: *out gets a malloc'd array (caller frees),
 * returns its length. */
__attribute__((no_instrument_function)) size_t psc_sampler_take(psc_sample **out);

/* "nvml: N devices" or "none: <reason>", for run.config_json. Static storage. */
__attribute__((no_instrument_function)) const char *psc_sampler_gpu_status(void);

/* Forget inherited sampler state in a forked child. */
__attribute__((no_instrument_function)) void psc_sampler_after_fork_child(void);

/* writer.c: 1 if tid is the writer thread (its own activity is not sampled). */
__attribute__((no_instrument_function)) int psc_writer_is_internal_tid(int tid);

#endif
