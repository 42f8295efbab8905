/* libcollect/sampler.c: the resource sampler thread.
 *
 * Every sample_interval (default 10 ms, 0 = off) it reads, without touching the program:
 *   - per thread (/proc/self/task/TID/stat and schedstat): CPU consumed since the previous
 *     sample (ns-resolution total from schedstat, split into user/system in the ratio of
 *     the clock-tick counters), minor and major faults;
 *   - per process (getrusage, /proc/self/statm): user/system CPU, RSS and its change, faults;
 *   - per GPU, when NVML can be loaded at run time (dlopen of libnvidia-ml.so.1, or the
 *     library named by PSCOPE_NVML_LIB — the tests use a fake one): utilisation and
 *     memory used. Without NVML the GPU columns stay NULL and run.config_json says why.
 * Each sample is queued for the writer, which tags it with the function and call path on
 * top of that thread's rebuilt stack at the moment it processes the sample (after draining
 * the thread's published events, so within ~1 ms of the sample). The process-wide row is
 * tagged with the stack top of the thread that used the most CPU during the interval, so
 * RSS growth is attributed to what was running. The innermost open stage of each sample
 * is derived from the stage spans by time when the run ends.
 */
#include "internal.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sampler.h"

/* ---- NVML, loaded at run time ------------------------------------------------------- */

typedef int nvml_ret;
typedef struct { unsigned int gpu, memory; } nvml_util;
typedef struct { unsigned long long total, free, used; } nvml_mem;
typedef void *nvml_device;

static struct {
    void *lib;
    nvml_ret (*init)(void);
    nvml_ret (*shutdown)(void);
    nvml_ret (*count)(unsigned int *);
    nvml_ret (*handle)(unsigned int, nvml_device *);
    nvml_ret (*util)(nvml_device, nvml_util *);
    nvml_ret (*mem)(nvml_device, nvml_mem *);
    unsigned int devices;
    char status[160];
} nvml;

PSC_NOINSTR static void nvml_load(void)
{
    memset(&nvml, 0, sizeof nvml);
    const char *name = getenv("PSCOPE_NVML_LIB");
    if (!name || !*name)
        name = "libnvidia-ml.so.1";
    nvml.lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!nvml.lib) {
        snprintf(nvml.status, sizeof nvml.status, "none: %s not loadable", name);
        return;
    }
    nvml.init = (nvml_ret(*)(void))dlsym(nvml.lib, "nvmlInit_v2");
    nvml.shutdown = (nvml_ret(*)(void))dlsym(nvml.lib, "nvmlShutdown");
    nvml.count = (nvml_ret(*)(unsigned int *))dlsym(nvml.lib, "nvmlDeviceGetCount_v2");
    nvml.handle = (nvml_ret(*)(unsigned int, nvml_device *))dlsym(nvml.lib, "nvmlDeviceGetHandleByIndex_v2");
    nvml.util = (nvml_ret(*)(nvml_device, nvml_util *))dlsym(nvml.lib, "nvmlDeviceGetUtilizationRates");
    nvml.mem = (nvml_ret(*)(nvml_device, nvml_mem *))dlsym(nvml.lib, "nvmlDeviceGetMemoryInfo");
    if (!nvml.init || !nvml.count || !nvml.handle || !nvml.util || !nvml.mem) {
        snprintf(nvml.status, sizeof nvml.status, "none: %s lacks the NVML functions used", name);
    } else if (nvml.init() != 0) {
        snprintf(nvml.status, sizeof nvml.status, "none: nvmlInit_v2 failed");
    } else if (nvml.count(&nvml.devices) != 0 || nvml.devices == 0) {
        snprintf(nvml.status, sizeof nvml.status, "none: NVML reports no device");
        nvml.devices = 0;
    } else {
        snprintf(nvml.status, sizeof nvml.status, "nvml: %u device%s", nvml.devices,
                 nvml.devices == 1 ? "" : "s");
        return;
    }
    nvml.devices = 0;
    dlclose(nvml.lib);
    nvml.lib = NULL;
}

PSC_NOINSTR const char *psc_sampler_gpu_status(void)
{
    return nvml.status[0] ? nvml.status : "not probed (sampler off)";
}

/* ---- queue to the writer -------------------------------------------------------------- */

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static psc_sample *q_items;
static size_t q_len, q_cap;

PSC_NOINSTR static void push(const psc_sample *s)
{
    pthread_mutex_lock(&q_lock);
    if (q_len == q_cap) {
        size_t ncap = q_cap ? q_cap * 2 : 256;
        psc_sample *n = ncap <= (1u << 20) ? realloc(q_items, ncap * sizeof *n) : NULL;
        if (!n) { /* out of memory, or the writer is far behind: drop this sample */
            pthread_mutex_unlock(&q_lock);
            return;
        }
        q_items = n;
        q_cap = ncap;
    }
    q_items[q_len++] = *s;
    pthread_mutex_unlock(&q_lock);
}

PSC_NOINSTR size_t psc_sampler_take(psc_sample **out)
{
    pthread_mutex_lock(&q_lock);
    *out = q_items;
    size_t n = q_len;
    q_items = NULL;
    q_len = q_cap = 0;
    pthread_mutex_unlock(&q_lock);
    return n;
}

/* ---- /proc readers -------------------------------------------------------------------- */

typedef struct prev_thread {
    int tid;
    uint64_t run_ns, utime, stime, minflt, majflt;
    unsigned seen; /* tick number of the last sighting */
} prev_thread;

typedef struct sampler {
    pthread_t thread;
    int running;
    _Atomic int stop;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t interval_ns;
    prev_thread *prev;
    size_t nprev, prev_cap;
    struct rusage prev_ru;
    int64_t prev_rss;
    int self_tid;
    _Atomic int ready; /* start-up done (see psc_wait_ready) */
} sampler;

static sampler S = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

PSC_NOINSTR static int read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n ? 0 : -1;
}

/* Fields of /proc/.../stat after the command name: minflt(10) majflt(12) utime(14) stime(15). */
PSC_NOINSTR static int parse_stat(const char *buf, uint64_t *minflt, uint64_t *majflt, uint64_t *ut, uint64_t *st)
{
    const char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long f[16] = {0};
    /* after ") " come: state(3) ppid(4) pgrp(5) session(6) tty(7) tpgid(8) flags(9) minflt(10)
     * cminflt(11) majflt(12) cmajflt(13) utime(14) stime(15) */
    char state;
    if (sscanf(p + 2, "%c %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &state, &f[4], &f[5],
               &f[6], &f[7], &f[8], &f[9], &f[10], &f[11], &f[12], &f[13], &f[14], &f[15]) != 13)
        return -1;
    *minflt = f[10];
    *majflt = f[12];
    *ut = f[14];
    *st = f[15];
    return 0;
}

PSC_NOINSTR static int64_t rss_now(void)
{
    char buf[128];
    long pages, rss;
    if (read_file("/proc/self/statm", buf, sizeof buf) || sscanf(buf, "%ld %ld", &pages, &rss) != 2)
        return -1;
    return (int64_t)rss * sysconf(_SC_PAGESIZE);
}

PSC_NOINSTR static prev_thread *prev_for(int tid, int *fresh)
{
    for (size_t i = 0; i < S.nprev; i++)
        if (S.prev[i].tid == tid) {
            *fresh = 0;
            return &S.prev[i];
        }
    if (S.nprev == S.prev_cap) {
        size_t ncap = S.prev_cap ? S.prev_cap * 2 : 32;
        prev_thread *n = realloc(S.prev, ncap * sizeof *n);
        if (!n)
            return NULL;
        S.prev = n;
        S.prev_cap = ncap;
    }
    *fresh = 1;
    prev_thread *p = &S.prev[S.nprev++];
    memset(p, 0, sizeof *p);
    p->tid = tid;
    return p;
}

PSC_NOINSTR static void sample_once(unsigned tick)
{
    uint64_t ts = psc_now_ns(&psc_state.clock);
    double ns_per_clk = 1e9 / (double)sysconf(_SC_CLK_TCK);
    int busiest_tid = 0;
    uint64_t busiest_ns = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int tid = atoi(e->d_name);
        if (tid <= 0 || tid == S.self_tid || psc_writer_is_internal_tid(tid))
            continue;
        char path[96], buf[1024];
        uint64_t minflt, majflt, ut, st, run_ns = 0;
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
        if (read_file(path, buf, sizeof buf) || parse_stat(buf, &minflt, &majflt, &ut, &st))
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", tid);
        unsigned long long sched_ns = 0;
        if (read_file(path, buf, sizeof buf) == 0 && sscanf(buf, "%llu", &sched_ns) == 1)
            run_ns = sched_ns;
        else
            run_ns = (uint64_t)((double)(ut + st) * ns_per_clk);
        int fresh;
        prev_thread *p = prev_for(tid, &fresh);
        if (!p)
            continue;
        if (!fresh) {
            uint64_t cpu = run_ns > p->run_ns ? run_ns - p->run_ns : 0;
            uint64_t du = ut - p->utime, ds = st - p->stime;
            psc_sample s = {.ts = ts, .tid = tid, .gpu_index = -1, .gpu_util = NAN, .gpu_mem = -1, .rss = -1};
            /* Split the ns-precise total in the ratio of the clock-tick counters: of this
             * interval when it saw at least a few ticks, else of the thread's life so far
             * (one 10 ms tick per interval is too coarse to split). */
            double user_frac = du + ds >= 4 ? (double)du / (double)(du + ds)
                               : ut + st  ? (double)ut / (double)(ut + st) : 1.0;
            s.cpu_user_ns = (int64_t)((double)cpu * user_frac);
            s.cpu_sys_ns = (int64_t)cpu - s.cpu_user_ns;
            s.minflt = (int64_t)(minflt - p->minflt);
            s.majflt = (int64_t)(majflt - p->majflt);
            psc_hooks_top_of(tid, &s.top_rec, &s.top_node); /* what it runs at this instant */
            push(&s);
            if (cpu > busiest_ns) {
                busiest_ns = cpu;
                busiest_tid = tid;
            }
        }
        p->run_ns = run_ns;
        p->utime = ut;
        p->stime = st;
        p->minflt = minflt;
        p->majflt = majflt;
        p->seen = tick;
    }
    if (d)
        closedir(d);
    /* forget threads that are gone */
    for (size_t i = 0; i < S.nprev;)
        if (S.prev[i].seen != tick)
            S.prev[i] = S.prev[--S.nprev];
        else
            i++;

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    int64_t rss = rss_now();
    psc_sample proc = {.ts = ts, .tid = 0, .attribute_tid = busiest_tid, .gpu_index = -1,
                       .gpu_util = NAN, .gpu_mem = -1};
    proc.cpu_user_ns = ((int64_t)(ru.ru_utime.tv_sec - S.prev_ru.ru_utime.tv_sec) * 1000000 +
                        (ru.ru_utime.tv_usec - S.prev_ru.ru_utime.tv_usec)) * 1000;
    proc.cpu_sys_ns = ((int64_t)(ru.ru_stime.tv_sec - S.prev_ru.ru_stime.tv_sec) * 1000000 +
                       (ru.ru_stime.tv_usec - S.prev_ru.ru_stime.tv_usec)) * 1000;
    proc.minflt = ru.ru_minflt - S.prev_ru.ru_minflt;
    proc.majflt = ru.ru_majflt - S.prev_ru.ru_majflt;
    proc.rss = rss;
    if (busiest_tid)
        psc_hooks_top_of(busiest_tid, &proc.top_rec, &proc.top_node);
    proc.rss_delta = rss >= 0 && S.prev_rss >= 0 ? rss - S.prev_rss : 0;
    S.prev_ru = ru;
    S.prev_rss = rss;
    if (nvml.devices == 0) {
        push(&proc);
    } else {
        for (unsigned i = 0; i < nvml.devices; i++) {
            psc_sample g = proc;
            nvml_device dev;
            nvml_util u;
            nvml_mem m;
            g.gpu_index = (int)i;
            if (nvml.handle(i, &dev) == 0) {
                if (nvml.util(dev, &u) == 0)
                    g.gpu_util = u.gpu;
                if (nvml.mem(dev, &m) == 0)
                    g.gpu_mem = (int64_t)m.used;
            }
            if (i > 0) { /* process figures once; further devices only add GPU columns */
                g.cpu_user_ns = g.cpu_sys_ns = g.minflt = g.majflt = g.rss_delta = 0;
            }
            push(&g);
        }
    }
}

PSC_NOINSTR static void *sampler_main(void *arg)
{
    (void)arg;
    psc_hooks_ignore_thread();
    S.self_tid = (int)syscall(SYS_gettid);
    pthread_mutex_lock(&psc_io_lock); /* allocates (stdio): never while a fork is under way */
    getrusage(RUSAGE_SELF, &S.prev_ru);
    S.prev_rss = rss_now();
    pthread_mutex_unlock(&psc_io_lock);
    atomic_store_explicit(&S.ready, 1, memory_order_release);
    /* Sample only once the run records: until then the program waits for the collector's
     * own start-up (the writer loading symbols), which no function of it is running. */
    for (int i = 0; i < 20000 && !atomic_load(&psc_state.active) && !atomic_load(&S.stop); i++) {
        struct timespec ts = {0, 500000};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&psc_io_lock);
    getrusage(RUSAGE_SELF, &S.prev_ru);
    S.prev_rss = rss_now();
    pthread_mutex_unlock(&psc_io_lock);
    unsigned tick = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!atomic_load(&S.stop)) {
        uint64_t ns = (uint64_t)next.tv_nsec + S.interval_ns;
        next.tv_sec += (time_t)(ns / 1000000000ull);
        next.tv_nsec = (long)(ns % 1000000000ull);
        pthread_mutex_lock(&S.lock);
        while (!atomic_load(&S.stop)) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec))
                break;
            /* condvar on CLOCK_MONOTONIC would need a condattr; a bounded timed wait on
             * the realtime clock re-checks the monotonic deadline each time */
            struct timespec wake;
            clock_gettime(CLOCK_REALTIME, &wake);
            long left = (long)((next.tv_sec - now.tv_sec) * 1000000000l + (next.tv_nsec - now.tv_nsec));
            wake.tv_nsec += left;
            while (wake.tv_nsec >= 1000000000l) {
                wake.tv_sec++;
                wake.tv_nsec -= 1000000000l;
            }
            pthread_cond_timedwait(&S.cond, &S.lock, &wake);
        }
        pthread_mutex_unlock(&S.lock);
        if (atomic_load(&S.stop))
            break;
        pthread_mutex_lock(&psc_io_lock);
        sample_once(++tick);
        pthread_mutex_unlock(&psc_io_lock);
    }
    return NULL;
}

PSC_NOINSTR int psc_sampler_start(uint64_t interval_ns)
{
    nvml_load();
    if (interval_ns == 0)
        return 0;
    S.interval_ns = interval_ns;
    atomic_store(&S.stop, 0);
    S.nprev = 0;
    atomic_store(&S.ready, 0);
    if (psc_thread_create(&S.thread, sampler_main, NULL) != 0)
        return -1;
    S.running = 1;
    psc_wait_ready(&S.ready);
    return 0;
}

PSC_NOINSTR void psc_sampler_stop(void)
{
    if (S.running) {
        pthread_mutex_lock(&S.lock);
        atomic_store(&S.stop, 1);
        pthread_cond_signal(&S.cond);
        pthread_mutex_unlock(&S.lock);
        pthread_join(S.thread, NULL);
        S.running = 0;
    }
    if (nvml.lib) {
        if (nvml.shutdown)
            nvml.shutdown();
        dlclose(nvml.lib);
        nvml.lib = NULL;
    }
    nvml.devices = 0;
}

PSC_NOINSTR void psc_sampler_after_fork_child(void)
{
    pthread_mutex_init(&q_lock, NULL);
    pthread_mutex_init(&S.lock, NULL);
    pthread_cond_init(&S.cond, NULL);
    q_items = NULL;
    q_len = q_cap = 0;
    S.running = 0;
    S.prev = NULL;
    S.nprev = S.prev_cap = 0;
    nvml.lib = NULL; /* the mapping is inherited; a new run loads it again */
    nvml.devices = 0;
}
