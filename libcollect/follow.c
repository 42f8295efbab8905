/* libcollect/follow.c: programs started by the profiled program are profiled too.
 *
 * A program run under pscope-run (or with libpscope in LD_PRELOAD and PSCOPE_* settings)
 * passes its environment to the programs it starts, so they load the collector and
 * write their own runs, unless it gives them an explicit environment (execve, execvpe,
 * posix_spawn, posix_spawnp with envp) that lacks those variables. These wrappers add
 * them: the libpscope entry of this process's LD_PRELOAD (prepended to the child's own
 * LD_PRELOAD, if any) and every PSCOPE_* variable (and sanitizer option variable) the
 * child's environment does not set.
 * A child environment that sets PSCOPE_FOLLOW=0, or this process running with
 * PSCOPE_FOLLOW=0, opts out: the environment is passed unchanged.
 *
 * execl*, execv and execvp use the process's own environment and need nothing, and so do
 * the C library's shell helpers. If memory for the new environment cannot be had, the
 * original one is passed (the child then runs unprofiled, as before).
 */
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* 1 if env (NULL-terminated) has a variable `name` (name without '='), its value in *val. */
PSC_NOINSTR static int env_has(char *const *env, const char *name, const char **val)
{
    size_t n = strlen(name);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=') {
            if (val)
                *val = env[i] + n + 1;
            return 1;
        }
    return 0;
}

/* 1 for a variable the child must get: PSCOPE_* settings, and the sanitizer runtimes'
 * options (a sanitizer build of libpscope cannot be preloaded without them). */
PSC_NOINSTR static int carried(const char *var)
{
    return strncmp(var, "PSCOPE_", 7) == 0 || strncmp(var, "ASAN_OPTIONS=", 13) == 0 ||
           strncmp(var, "UBSAN_OPTIONS=", 14) == 0 || strncmp(var, "LSAN_OPTIONS=", 13) == 0;
}

/* The libpscope entry of this process's LD_PRELOAD (malloc'd), or NULL. */
PSC_NOINSTR static char *own_preload(void)
{
    const char *pre = getenv("LD_PRELOAD");
    if (!pre)
        return NULL;
    const char *p = pre;
    while (*p) {
        size_t len = strcspn(p, ": ");
        const char *base = p;
        for (const char *q = p; q < p + len; q++)
            if (*q == '/')
                base = q + 1;
        if ((size_t)(p + len - base) >= 9 && strncmp(base, "libpscope", 9) == 0)
            return strndup(p, len);
        p += len;
        while (*p == ':' || *p == ' ')
            p++;
    }
    return NULL;
}

PSC_NOINSTR char **psc_follow_env(char *const *envp)
{
    const char *v;
    if (!envp || envp == environ || (getenv("PSCOPE_FOLLOW") && strcmp(getenv("PSCOPE_FOLLOW"), "0") == 0) ||
        (env_has(envp, "PSCOPE_FOLLOW", &v) && strcmp(v, "0") == 0))
        return NULL;
    char *lib = own_preload();
    if (!lib)
        return NULL; /* not preloaded: a linked program's children are not ours to load */
    size_t n = 0, extra = 1;
    while (envp[n])
        n++;
    for (size_t i = 0; environ && environ[i]; i++)
        extra += carried(environ[i]);
    char **out = calloc(n + extra + 1, sizeof *out);
    if (!out) {
        free(lib);
        return NULL;
    }
    size_t k = 0;
    int had_preload = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0) {
            had_preload = 1;
            if (!strstr(envp[i], lib)) {
                size_t len = strlen(lib) + strlen(envp[i]) + 2;
                char *merged = malloc(len);
                if (merged) {
                    snprintf(merged, len, "LD_PRELOAD=%s:%s", lib, envp[i] + 11);
                    out[k++] = merged;
                    continue;
                }
            }
        }
        out[k++] = envp[i];
    }
    if (!had_preload) {
        size_t len = strlen(lib) + 12;
        char *pre = malloc(len);
        if (pre) {
            snprintf(pre, len, "LD_PRELOAD=%s", lib);
            out[k++] = pre;
        }
    }
    for (size_t i = 0; environ && environ[i]; i++) {
        if (!carried(environ[i]))
            continue;
        size_t name_len = strcspn(environ[i], "=");
        char name[128];
        if (name_len >= sizeof name)
            continue;
        memcpy(name, environ[i], name_len);
        name[name_len] = '\0';
        if (!env_has(envp, name, NULL))
            out[k++] = environ[i];
    }
    out[k] = NULL;
    free(lib);
    return out; /* leaked on purpose if the exec fails: a handful of strings */
}

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                        char *const[], char *const[]);

PSC_NOINSTR static void *next_fn(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

/* execve and execvpe: same contract as libc's. */
PSC_NOINSTR static int exec_common(const char *name, execve_fn *real, const char *path, char *const argv[],
                                   char *const envp[])
{
    if (!*real)
        *real = (execve_fn)next_fn(name);
    if (!*real) {
        errno = ENOSYS;
        return -1;
    }
    int saved = errno;
    char **env = psc_follow_env(envp);
    errno = saved;
    return (*real)(path, argv, env ? env : envp);
}

PSC_API int execve(const char *path, char *const argv[], char *const envp[])
{
    static execve_fn real;
    return exec_common("execve", &real, path, argv, envp);
}

PSC_API int execvpe(const char *file, char *const argv[], char *const envp[])
{
    static execve_fn real;
    return exec_common("execvpe", &real, file, argv, envp);
}

/* posix_spawn and posix_spawnp: same contract as libc's. */
PSC_NOINSTR static int spawn_common(const char *name, spawn_fn *real, pid_t *pid, const char *path,
                                    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
                                    char *const argv[], char *const envp[])
{
    if (!*real)
        *real = (spawn_fn)next_fn(name);
    if (!*real)
        return ENOSYS;
    int saved = errno;
    char **env = psc_follow_env(envp);
    errno = saved;
    int rc = (*real)(pid, path, fa, attr, argv, env ? env : envp);
    if (env) {
        for (size_t i = 0; env[i]; i++) {
            int ours = 1;
            for (size_t j = 0; envp[j]; j++)
                if (env[i] == envp[j])
                    ours = 0;
            for (size_t j = 0; ours && environ && environ[j]; j++)
                if (env[i] == environ[j])
                    ours = 0;
            if (ours)
                free(env[i]);
        }
        free(env);
    }
    return rc;
}

PSC_API int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    static spawn_fn real;
    return spawn_common("posix_spawn", &real, pid, path, fa, attr, argv, envp);
}

PSC_API int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                         const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    static spawn_fn real;
    return spawn_common("posix_spawnp", &real, pid, file, fa, attr, argv, envp);
}
