/* libcollect/classify.c: which functions the include/exclude patterns leave out.
 *
 * A thread's calling-context tree asks once per function and thread (cct params.classify)
 * whether a function address is excluded. Only runs with include or exclude patterns
 * install this callback; the answer needs the function's name, so the first question
 * about an address resolves its symbol (libdwfl, under psc_io_lock like the writer) on
 * the asking program thread, and caches the answer for every thread. This is the one
 * place where a program thread may call malloc (through libdwfl and PCRE2): once per
 * function, and only with patterns configured.
 */
#include "internal.h"

#include <errno.h>
#include <pcre2.h>
#include <stdlib.h>

#include "symbols.h"

typedef struct class_slot { uint64_t addr; int excluded; int used; } class_slot;

static pthread_mutex_t class_lock = PTHREAD_MUTEX_INITIALIZER;
static pcre2_code **inc, **exc;
static size_t ninc, nexc;
static psc_symbols *syms;
static class_slot *table;
static uint64_t table_cap, table_used;

PSC_NOINSTR static pcre2_code **compile_all(char **src, size_t n, size_t *nout)
{
    pcre2_code **out = calloc(n ? n : 1, sizeof *out);
    *nout = 0;
    for (size_t i = 0; i < n && out; i++) {
        int code;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)src[i], PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
        if (re)
            out[(*nout)++] = re; /* validated before the run started */
    }
    return out;
}

PSC_NOINSTR static int any_match(pcre2_code **pats, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(pats[i], NULL);
        if (!md)
            continue;
        int rc = pcre2_match(pats[i], (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
        pcre2_match_data_free(md);
        if (rc >= 0)
            return 1;
    }
    return 0;
}

PSC_NOINSTR static void free_patterns(void)
{
    for (size_t i = 0; i < ninc; i++)
        pcre2_code_free(inc[i]);
    for (size_t i = 0; i < nexc; i++)
        pcre2_code_free(exc[i]);
    free(inc);
    free(exc);
    inc = exc = NULL;
    ninc = nexc = 0;
}

PSC_NOINSTR void psc_classify_start(const psc_config *cfg)
{
    pthread_mutex_lock(&class_lock);
    free_patterns();
    inc = compile_all(cfg->include, cfg->n_include, &ninc);
    exc = compile_all(cfg->exclude, cfg->n_exclude, &nexc);
    pthread_mutex_unlock(&class_lock);
}

PSC_NOINSTR void psc_classify_stop(void)
{
    pthread_mutex_lock(&class_lock);
    free_patterns();
    free(table);
    table = NULL;
    table_cap = table_used = 0;
    if (syms) {
        pthread_mutex_lock(&psc_io_lock);
        psc_symbols_free(syms);
        pthread_mutex_unlock(&psc_io_lock);
        syms = NULL;
    }
    pthread_mutex_unlock(&class_lock);
}

PSC_NOINSTR void psc_classify_after_fork_child(void)
{
    pthread_mutex_init(&class_lock, NULL);
}

PSC_NOINSTR static uint64_t slot_of(uint64_t addr, uint64_t cap)
{
    uint64_t x = addr * 0x9E3779B97F4A7C15ull;
    return (x ^ (x >> 29)) & (cap - 1);
}

/* Cache the answer for addr; the lock is held. */
PSC_NOINSTR static void remember(uint64_t addr, int excluded)
{
    if ((table_used + 1) * 2 > table_cap) {
        uint64_t ncap = table_cap ? table_cap * 2 : 256;
        class_slot *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            return; /* asked again next time */
        for (uint64_t i = 0; i < table_cap; i++)
            if (table[i].used) {
                uint64_t j = slot_of(table[i].addr, ncap);
                while (nt[j].used)
                    j = (j + 1) & (ncap - 1);
                nt[j] = table[i];
            }
        free(table);
        table = nt;
        table_cap = ncap;
    }
    uint64_t j = slot_of(addr, table_cap);
    while (table[j].used)
        j = (j + 1) & (table_cap - 1);
    table[j] = (class_slot){addr, excluded, 1};
    table_used++;
}

PSC_NOINSTR int psc_classify(void *arg, uint64_t addr)
{
    (void)arg;
    int saved = errno;
    pthread_mutex_lock(&class_lock);
    int excluded = -1;
    if (table_cap) {
        for (uint64_t j = slot_of(addr, table_cap); table[j].used; j = (j + 1) & (table_cap - 1))
            if (table[j].addr == addr) {
                excluded = table[j].excluded;
                break;
            }
    }
    if (excluded < 0) {
        psc_syminfo si = {0};
        /* as an internal thread for the moment: libdwfl's own close() calls must not
         * wait for psc_io_lock, which this thread holds */
        int was_internal = psc_hooks_set_internal(1);
        pthread_mutex_lock(&psc_io_lock);
        if (!syms)
            syms = psc_symbols_new();
        if (syms)
            psc_symbols_resolve(syms, addr, &si);
        pthread_mutex_unlock(&psc_io_lock);
        psc_hooks_set_internal(was_internal);
        const char *name = si.name ? si.name : "";
        excluded = (ninc && !any_match(inc, ninc, name)) || any_match(exc, nexc, name);
        psc_syminfo_free(&si);
        remember(addr, excluded);
    }
    pthread_mutex_unlock(&class_lock);
    errno = saved;
    return excluded;
}
