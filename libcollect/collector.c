/* libcollect/collector.c: the run lifecycle and the public control API.
 *
 * Load: the constructor reads the configuration (.pscope.yaml found by walking up from
 * the working directory, or PSCOPE_CONFIG; then PSCOPE_* variables) and starts a run if
 * PSCOPE_OUTPUT is set or the config says `enabled: true`. Start: validate the include/
 * exclude patterns, open and validate the database, insert the run row, start the writer,
 * then let the hooks record. Stop (pscope_stop, exit, library unload): stop recording,
 * let the writer drain, close open frames at the end instant, write and mark the run
 * complete. fork: the child gets a run of its own (parent_run_id set), with its own
 * connection and writer; nothing SQLite is shared across the fork.
 *
 * Any problem (bad config, unwritable or foreign database, newer schema, bad regex) is
 * one "pscope: ..." line on stderr, profiling stays off, and the program runs on.
 */
#include "internal.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "sampler.h"
#include "stage_internal.h"
#include "store.h"

psc_run psc_state = {
    .reg_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake_cond = PTHREAD_COND_INITIALIZER,
    .meta_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Serialises start/stop/fork against each other (never taken on the hot path). */
static pthread_mutex_t life_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t psc_busy_lock = PTHREAD_MUTEX_INITIALIZER;
static int config_loaded;
static int atexit_registered;

PSC_NOINSTR static void warn_line(const char *line)
{
    fprintf(stderr, "pscope: %s\n", line);
}

PSC_NOINSTR static int load_config(void)
{
    char err[1024];
    psc_config_free(&psc_state.cfg);
    psc_config_defaults(&psc_state.cfg);
    const char *explicit_path = getenv("PSCOPE_CONFIG");
    char *path = explicit_path && *explicit_path ? strdup(explicit_path) : psc_config_find();
    if (path) {
        int rc = psc_config_load_file(&psc_state.cfg, path, warn_line, err, sizeof err);
        free(path);
        if (rc) {
            psc_warn("%s; profiling off", err);
            return -1;
        }
    }
    if (psc_config_apply_env(&psc_state.cfg, err, sizeof err)) {
        psc_warn("%s; profiling off", err);
        return -1;
    }
    return 0;
}

PSC_NOINSTR static int check_patterns(char **pats, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        int code;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pats[i], PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            psc_warn("%s pattern '%s': %s at offset %zu; profiling off", what, pats[i], (char *)msg,
                     (size_t)off);
            return -1;
        }
        pcre2_code_free(re);
    }
    return 0;
}

PSC_NOINSTR static char *read_cmdline(cJSON **argv_out)
{
    FILE *f = fopen("/proc/self/cmdline", "rb");
    cJSON *arr = cJSON_CreateArray();
    char buf[65536];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *joined = malloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        const char *arg = buf + i;
        size_t len = strlen(arg);
        if (arr)
            cJSON_AddItemToArray(arr, cJSON_CreateString(arg));
        if (joined) {
            if (j)
                joined[j++] = ' ';
            memcpy(joined + j, arg, len);
            j += len;
        }
        i += len + 1;
    }
    if (joined)
        joined[j] = '\0';
    *argv_out = arr;
    return joined;
}

PSC_NOINSTR static int insert_run(psc_store *s)
{
    sqlite3_stmt *st;
    const char *sql =
        "INSERT INTO run(parent_run_id, label, command, argv_json, executable, cwd, pid, ppid, host,"
        " started_wall, scale, clock, pscope_version, config_json) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    cJSON *argv = NULL;
    char *cmd = read_cmdline(&argv);
    char *argv_json = argv ? cJSON_PrintUnformatted(argv) : NULL;
    cJSON_Delete(argv);
    char exe[PATH_MAX] = "", cwd[PATH_MAX] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    struct utsname un;
    int have_un = uname(&un) == 0;
    char *cfg_json = NULL;
    char *base_json = psc_config_to_json(&psc_state.cfg);
    cJSON *cfg_obj = base_json ? cJSON_Parse(base_json) : NULL;
    free(base_json);
    if (cfg_obj) {
        cJSON_AddStringToObject(cfg_obj, "gpu", psc_sampler_gpu_status());
        cfg_json = cJSON_PrintUnformatted(cfg_obj);
        cJSON_Delete(cfg_obj);
    }
    pthread_mutex_lock(&psc_state.meta_lock);
    const char *label = psc_state.label ? psc_state.label : psc_state.cfg.label;
    double scale = !isnan(psc_state.scale) ? psc_state.scale : psc_state.cfg.scale;
    if (psc_state.parent_run_id)
        sqlite3_bind_int64(st, 1, psc_state.parent_run_id);
    if (label)
        sqlite3_bind_text(st, 2, label, -1, SQLITE_TRANSIENT);
    pthread_mutex_unlock(&psc_state.meta_lock);
    if (cmd)
        sqlite3_bind_text(st, 3, cmd, -1, SQLITE_TRANSIENT);
    if (argv_json)
        sqlite3_bind_text(st, 4, argv_json, -1, SQLITE_TRANSIENT);
    if (exe[0])
        sqlite3_bind_text(st, 5, exe, -1, SQLITE_TRANSIENT);
    if (cwd[0])
        sqlite3_bind_text(st, 6, cwd, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, getpid());
    sqlite3_bind_int64(st, 8, getppid());
    if (have_un)
        sqlite3_bind_text(st, 9, un.nodename, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 10, psc_state.clock.wall0);
    if (!isnan(scale))
        sqlite3_bind_double(st, 11, scale);
    sqlite3_bind_text(st, 12, psc_state.clock.use_tsc ? "tsc" : "monotonic", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, PSCOPE_VERSION, -1, SQLITE_STATIC);
    if (cfg_json)
        sqlite3_bind_text(st, 14, cfg_json, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    free(cmd);
    free(argv_json);
    free(cfg_json);
    if (rc != SQLITE_DONE)
        return -1;
    psc_state.run_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

PSC_NOINSTR int psc_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(thread, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

PSC_NOINSTR void psc_wait_ready(_Atomic int *flag)
{
    for (int i = 0; i < 20000 && !atomic_load_explicit(flag, memory_order_acquire); i++) {
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
}

PSC_NOINSTR static void on_exit_handler(void)
{
    pscope_stop();
}

/* Start a run; life_lock held. */
PSC_NOINSTR static int start_locked(const char *db_path)
{
    if (atomic_load(&psc_state.active))
        return 0;
    if (check_patterns(psc_state.cfg.include, psc_state.cfg.n_include, "include") ||
        check_patterns(psc_state.cfg.exclude, psc_state.cfg.n_exclude, "exclude"))
        return -1;
    const char *path = db_path ? db_path : psc_state.cfg.output ? psc_state.cfg.output : "pscope.db";
    char err[1024];
    psc_clock_init(&psc_state.clock);
    psc_state.pid = getpid();
    psc_store *s = psc_store_open(path, err, sizeof err);
    if (!s) {
        psc_warn("%s; profiling off", err);
        return -1;
    }
    err[0] = '\0';
    if (psc_sampler_start(psc_state.cfg.sample_interval_ns))
        psc_warn("cannot start the resource sampler; profiling without it");
    if (psc_store_prepare(s, err, sizeof err) || insert_run(s)) {
        psc_sampler_stop();
        psc_allow_close(1);
        if (!err[0])
            snprintf(err, sizeof err, "%s: cannot insert the run row: %s", path, sqlite3_errmsg(s->db));
        psc_warn("%s; profiling off", err);
        psc_store_close(s);
        psc_allow_close(0);
        return -1;
    }
    psc_state.store = s;
    psc_protect_db_fds(path);
    atomic_store(&psc_state.stop_requested, 0);
    atomic_store(&psc_state.flush_req, 0);
    atomic_store(&psc_state.flush_done, 0);
    pthread_mutex_lock(&psc_state.reg_lock);
    psc_state.threads = NULL; /* records of a previous run belong to their threads now */
    pthread_mutex_unlock(&psc_state.reg_lock);
    atomic_store(&psc_state.rows_claimed, 0);
    atomic_store(&psc_state.rows_spent, 0);
    atomic_store(&psc_state.next_call_id, 1);
    psc_state.classify_on = psc_state.cfg.n_include + psc_state.cfg.n_exclude > 0;
    if (psc_state.classify_on)
        psc_classify_start(&psc_state.cfg);
    /* The hooks turn ticks into ns themselves, so the rate is known before they record:
     * measured over the time the set-up above took (at least 1 ms). */
    psc_clock_calibrate(&psc_state.clock, 1);
    atomic_fetch_add(&psc_state.gen, 1);
    atomic_store(&psc_state.writer_ready, 0);
    if (psc_thread_create(&psc_state.writer, psc_writer_main, NULL) != 0) {
        psc_warn("%s: cannot start the writer thread; profiling off", path);
        psc_sampler_stop();
        psc_unprotect_fds();
        psc_allow_close(1);
        psc_store_close(s);
        psc_allow_close(0);
        psc_state.store = NULL;
        return -1;
    }
    psc_state.writer_running = 1;
    psc_wait_ready(&psc_state.writer_ready);
    if (!atexit_registered) {
        atexit(on_exit_handler);
        atexit_registered = 1;
    }
    atomic_store_explicit(&psc_state.active, 1, memory_order_release);
    return 0;
}

PSC_NOINSTR static int stop_locked(void)
{
    if (!psc_state.writer_running)
        return -1;
    psc_sampler_stop(); /* its last samples are still queued for the writer's final flush */
    atomic_store(&psc_state.stop_requested, 1);
    atomic_store_explicit(&psc_state.active, 0, memory_order_release);
    psc_writer_wake();
    pthread_join(psc_state.writer, NULL);
    psc_state.writer_running = 0;
    psc_classify_stop();
    psc_allow_close(1);
    psc_store_close(psc_state.store);
    psc_allow_close(0);
    psc_unprotect_fds();
    psc_state.store = NULL;
    return 0;
}

PSC_API int pscope_start(const char *db_path)
{
    pthread_mutex_lock(&life_lock);
    int rc = 0;
    if (!config_loaded) {
        config_loaded = 1;
        if (load_config())
            rc = -1;
    }
    if (rc == 0)
        rc = start_locked(db_path);
    pthread_mutex_unlock(&life_lock);
    return rc;
}

PSC_API int pscope_stop(void)
{
    pthread_mutex_lock(&life_lock);
    int rc = stop_locked();
    pthread_mutex_unlock(&life_lock);
    return rc;
}

PSC_NOINSTR void psc_finish_before_exit(void)
{
    if (!atomic_load(&psc_state.active) || psc_hooks_thread_is_internal() || psc_hooks_in_hook() ||
        getpid() != psc_state.pid)
        return; /* nothing to do, a collector thread, a signal inside a hook, or a vfork child */
    /* trylock: _exit from a signal handler that interrupted start/stop/fork must not wait
     * for a lock its own thread holds; that run stays incomplete, as before. */
    if (pthread_mutex_trylock(&life_lock) != 0)
        return;
    stop_locked();
    pthread_mutex_unlock(&life_lock);
}

PSC_API int pscope_active(void)
{
    return atomic_load(&psc_state.active);
}

PSC_API void pscope_set_scale(double n)
{
    pthread_mutex_lock(&psc_state.meta_lock);
    psc_state.scale = n;
    psc_state.meta_dirty = 1;
    pthread_mutex_unlock(&psc_state.meta_lock);
}

PSC_API void pscope_set_label(const char *label)
{
    char *copy = label ? strdup(label) : NULL;
    pthread_mutex_lock(&psc_state.meta_lock);
    free(psc_state.label);
    psc_state.label = copy;
    psc_state.meta_dirty = 1;
    pthread_mutex_unlock(&psc_state.meta_lock);
}

PSC_API int pscope_flush(void)
{
    if (!atomic_load(&psc_state.active))
        return -1;
    uint64_t want = atomic_fetch_add(&psc_state.flush_req, 1) + 1;
    psc_writer_wake();
    for (int i = 0; i < 2000; i++) {
        if (atomic_load(&psc_state.flush_done) >= want)
            return 0;
        if (!atomic_load(&psc_state.active))
            return -1;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* ---- fork -------------------------------------------------------------------------- */

PSC_NOINSTR static void before_fork(void)
{
    /* Also wait until the writer is between work items and the sampler between samples,
     * so neither holds a lock (SQLite's, the allocator's) at the instant of the fork;
     * the child then opens its own connection. */
    pthread_mutex_lock(&life_lock);
    pthread_mutex_lock(&psc_busy_lock);
    pthread_mutex_lock(&psc_io_lock);
}

PSC_NOINSTR static void after_fork_parent(void)
{
    pthread_mutex_unlock(&psc_io_lock);
    pthread_mutex_unlock(&psc_busy_lock);
    pthread_mutex_unlock(&life_lock);
}

PSC_NOINSTR static void after_fork_child(void)
{
    /* Everything inherited belongs to the parent's run: the writer thread does not exist
     * here, and the SQLite handle must not be touched (not even closed). */
    pthread_mutex_init(&life_lock, NULL);
    pthread_mutex_init(&psc_busy_lock, NULL);
    pthread_mutex_init(&psc_io_lock, NULL);
    pthread_mutex_init(&psc_state.reg_lock, NULL);
    pthread_mutex_init(&psc_state.wake_lock, NULL);
    pthread_cond_init(&psc_state.wake_cond, NULL);
    pthread_mutex_init(&psc_state.meta_lock, NULL);
    psc_hooks_after_fork_child();
    psc_classify_after_fork_child();
    psc_stage_after_fork_child();
    psc_sampler_after_fork_child();
    int was_active = atomic_load(&psc_state.active);
    atomic_store(&psc_state.active, 0);
    psc_state.writer_running = 0;
    /* The inherited descriptors of the parent's database stay protected (closing one
     * would drop this process's locks on the file). */
    /* The parent's store is leaked on purpose: closing it would act on the parent's
     * connection state. Its path (a private copy in our memory) names our database. */
    const char *path = psc_state.store ? psc_state.store->path : NULL;
    psc_state.store = NULL;
    if (was_active) {
        psc_state.parent_run_id = psc_state.run_id;
        if (start_locked(path) == 0)
            psc_hooks_fork_resume(); /* the frames open at the fork, entered now */
    }
}

__attribute__((constructor, no_instrument_function)) static void psc_on_load(void)
{
    psc_state.scale = NAN;
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    pthread_mutex_lock(&life_lock);
    config_loaded = 1;
    if (load_config() == 0) {
        int enabled = psc_state.cfg.enabled;
        if (enabled == 1 || (enabled != 0 && getenv("PSCOPE_OUTPUT") && *getenv("PSCOPE_OUTPUT")))
            start_locked(NULL);
    }
    pthread_mutex_unlock(&life_lock);
}

__attribute__((destructor, no_instrument_function)) static void psc_on_unload(void)
{
    pscope_stop();
}
