/* tools/lib/gnuplot.c: the one gnuplot runner (execvp, script on stdin, stdout captured,
 * killed at a timeout), the one escaper for gnuplot command text, and script helpers
 * (SVG prologue, numeric datablocks). See gnuplot.h for the contracts and the safety rule.
 *
 * Invariants: the child runs in its own process group, so a timeout kills gnuplot and
 * anything it started; every pipe is close-on-exec, so no other descriptor of the tool
 * leaks into gnuplot; an exec failure is reported through a close-on-exec pipe (errno),
 * which tells "not found on PATH" from a script error. */
#include "gnuplot.h"
#include "ptool_internal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- script building ---------------------------------------------------------------- */

static void script_reserve(pt_gnuplot_script *sc, size_t more)
{
    if (sc->len + more + 1 <= sc->cap)
        return;
    size_t cap = sc->cap ? sc->cap : 256;
    while (cap < sc->len + more + 1)
        cap *= 2;
    sc->text = pt_xrealloc(sc->text, cap);
    sc->cap = cap;
}

static void script_append(pt_gnuplot_script *sc, const char *s, size_t n)
{
    script_reserve(sc, n);
    memcpy(sc->text + sc->len, s, n);
    sc->len += n;
    sc->text[sc->len] = '\0';
}

void pt_gnuplot_printf(pt_gnuplot_script *sc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    script_reserve(sc, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sc->text + sc->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sc->len += (size_t)n;
}

void pt_gnuplot_quote(pt_gnuplot_script *sc, const char *s)
{
    char *clean = pt__utf8_sanitize(s ? s : "");
    script_append(sc, "'", 1);
    for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
        if (*p == '\'')
            script_append(sc, "''", 2);
        else if (*p < 0x20 || *p == 0x7f)
            script_append(sc, " ", 1);
        else
            script_append(sc, (const char *)p, 1);
    }
    script_append(sc, "'", 1);
    free(clean);
}

char *pt_gnuplot_quoted(const char *s)
{
    pt_gnuplot_script sc = { 0 };
    pt_gnuplot_quote(&sc, s);
    return sc.text;
}

void pt_gnuplot_svg_prologue(pt_gnuplot_script *sc, int width, int height, const char *font)
{
    pt_gnuplot_printf(sc, "set terminal svg size %d,%d dynamic noenhanced font ", width,
                      height);
    pt_gnuplot_quote(sc, font ? font : "Sans,10");
    pt_gnuplot_printf(sc, "\nset termoption noenhanced\nset encoding utf8\nset output\n");
}

void pt_gnuplot_datablock(pt_gnuplot_script *sc, const char *name, const double *v,
                          size_t nrows, size_t ncols)
{
    assert(name && name[0] == '$' && name[1]);
    for (const char *p = name + 1; *p; p++)
        assert((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
               (*p >= '0' && *p <= '9') || *p == '_');
    if (sc->len && sc->text[sc->len - 1] != '\n')
        script_append(sc, "\n", 1); /* a datablock starts a line */
    pt_gnuplot_printf(sc, "%s << EOD\n", name);
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            double x = v[r * ncols + c];
            if (isfinite(x))
                pt_gnuplot_printf(sc, c ? " %.17g" : "%.17g", x);
            else
                pt_gnuplot_printf(sc, c ? " NaN" : "NaN");
        }
        script_append(sc, "\n", 1);
    }
    pt_gnuplot_printf(sc, "EOD\n");
}

void pt_gnuplot_script_free(pt_gnuplot_script *sc)
{
    free(sc->text);
    sc->text = NULL;
    sc->len = sc->cap = 0;
}

/* ---- running ------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The most useful line of gnuplot's standard error: the first "line N: ..." message
 * (gnuplot's error report), else the first non-blank line; trimmed, into err. */
static void stderr_line(const char *text, char *err, size_t errlen)
{
    const char *pick = NULL;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        const char *q = p;
        while (q < p + n && (*q == ' ' || *q == '\t'))
            q++;
        int lineno;
        if (q < p + n && sscanf(q, "line %d:", &lineno) == 1) {
            pick = q;
            break;
        }
        if (!pick && q < p + n && *q != '^')
            pick = q;
        p += n + (eol ? 1 : 0);
    }
    if (!pick) {
        snprintf(err, errlen, "gnuplot failed without a message");
        return;
    }
    size_t n = strcspn(pick, "\n");
    while (n > 0 && (pick[n - 1] == ' ' || pick[n - 1] == '\r'))
        n--;
    snprintf(err, errlen, "gnuplot: %.*s", (int)n, pick);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) PT_PRINTF(3, 4);
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Append up to what fits of a read into a growable buffer; `limit` caps it (0: none). */
static int drain(int fd, char **buf, size_t *len, size_t *cap, size_t limit)
{
    char chunk[8192];
    ssize_t r = read(fd, chunk, sizeof chunk);
    if (r < 0)
        return errno == EAGAIN || errno == EINTR ? 1 : -1;
    if (r == 0)
        return 0;
    size_t n = (size_t)r;
    if (limit && *len + n > limit)
        n = *len < limit ? limit - *len : 0;
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 16384;
        while (c < *len + n + 1)
            c *= 2;
        *buf = pt_xrealloc(*buf, c);
        *cap = c;
    }
    memcpy(*buf + *len, chunk, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 1;
}

int pt_gnuplot_run(const char *script, int timeout_ms, char **out, size_t *out_len,
                   char *err, size_t errlen)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (timeout_ms <= 0)
        timeout_ms = 10000;
    int in[2], op[2], ep[2], xp[2];
    if (pipe2(in, O_CLOEXEC) != 0) {
        set_err(err, errlen, "cannot run gnuplot: %s", strerror(errno));
        return -1;
    }
    if (pipe2(op, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0 || pipe2(xp, O_CLOEXEC) != 0) {
        set_err(err, errlen, "cannot run gnuplot: %s", strerror(errno));
        close(in[0]);
        close(in[1]);
        return -1; /* the few descriptors possibly left open die with the tool */
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        set_err(err, errlen, "cannot run gnuplot: %s", strerror(errno));
        int fds[] = { in[0], in[1], op[0], op[1], ep[0], ep[1], xp[0], xp[1] };
        for (size_t i = 0; i < 8; i++)
            close(fds[i]);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(in[0], 0) < 0 || dup2(op[1], 1) < 0 || dup2(ep[1], 2) < 0)
            _exit(127);
        char *const argv[] = { (char *)"gnuplot", NULL };
        execvp("gnuplot", argv);
        int e = errno;
        ssize_t w = write(xp[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    setpgid(pid, pid); /* also from the parent: no race with an early kill */
    close(in[0]);
    close(op[1]);
    close(ep[1]);
    close(xp[1]);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(op[0], F_SETFL, O_NONBLOCK);
    fcntl(ep[0], F_SETFL, O_NONBLOCK);

    struct sigaction ign = { 0 }, old_pipe;
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe);

    const char *wp = script ? script : "";
    size_t wleft = strlen(wp);
    int win = in[1];
    if (wleft == 0) {
        close(win);
        win = -1;
    }
    char *obuf = NULL, *ebuf = NULL;
    size_t olen = 0, ocap = 0, elen = 0, ecap = 0;
    int oopen = 1, eopen = 1, timed_out = 0, io_error = 0;
    int64_t deadline = now_ms() + timeout_ms;
    while (oopen || eopen) {
        struct pollfd pf[3];
        nfds_t n = 0;
        int iw = -1, io = -1, ie = -1;
        if (win >= 0) {
            iw = (int)n;
            pf[n++] = (struct pollfd){ win, POLLOUT, 0 };
        }
        if (oopen) {
            io = (int)n;
            pf[n++] = (struct pollfd){ op[0], POLLIN, 0 };
        }
        if (eopen) {
            ie = (int)n;
            pf[n++] = (struct pollfd){ ep[0], POLLIN, 0 };
        }
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        int pr = poll(pf, n, (int)left);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            io_error = errno;
            break;
        }
        if (iw >= 0 && pf[iw].revents) {
            ssize_t w = (pf[iw].revents & POLLOUT) ? write(win, wp, wleft) : -1;
            if (w > 0) {
                wp += w;
                wleft -= (size_t)w;
            }
            if (wleft == 0 || (w < 0 && errno != EAGAIN && errno != EINTR)) {
                close(win); /* done, or gnuplot stopped reading (it will report why) */
                win = -1;
            }
        }
        if (io >= 0 && pf[io].revents) {
            int r = drain(op[0], &obuf, &olen, &ocap, 0);
            if (r <= 0)
                oopen = 0;
        }
        if (ie >= 0 && pf[ie].revents) {
            int r = drain(ep[0], &ebuf, &elen, &ecap, 65536);
            if (r <= 0)
                eopen = 0;
        }
    }
    if (win >= 0)
        close(win);
    close(op[0]);
    close(ep[0]);
    if (timed_out || io_error) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    sigaction(SIGPIPE, &old_pipe, NULL);
    int exec_errno = 0;
    ssize_t xr = read(xp[0], &exec_errno, sizeof exec_errno);
    close(xp[0]);

    int rc = -1;
    if (xr == (ssize_t)sizeof exec_errno) {
        if (exec_errno == ENOENT)
            set_err(err, errlen, "gnuplot not found on PATH");
        else
            set_err(err, errlen, "cannot run gnuplot: %s", strerror(exec_errno));
    } else if (timed_out) {
        set_err(err, errlen, "gnuplot timed out after %d ms", timeout_ms);
    } else if (io_error) {
        set_err(err, errlen, "cannot run gnuplot: %s", strerror(io_error));
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (ebuf && elen)
            stderr_line(ebuf, err, errlen);
        else if (WIFSIGNALED(status))
            set_err(err, errlen, "gnuplot killed by signal %d", WTERMSIG(status));
        else
            set_err(err, errlen, "gnuplot exited with status %d", WEXITSTATUS(status));
    } else {
        rc = 0;
    }
    free(ebuf);
    if (rc == 0) {
        if (!obuf)
            obuf = pt_xstrdup("");
        *out = obuf;
        if (out_len)
            *out_len = olen;
    } else {
        free(obuf);
    }
    return rc;
}

/* ---- version check ------------------------------------------------------------------ */

static struct {
    int checked, ok;
    char *path; /* PATH the answer is for (NULL: unset) */
    char version[64], why[160];
} gp_cache;

int pt_gnuplot_check(char *version, size_t vlen, char *why, size_t whylen)
{
    const char *path = getenv("PATH");
    int same = gp_cache.checked && ((!path && !gp_cache.path) ||
                                    (path && gp_cache.path && strcmp(path, gp_cache.path) == 0));
    if (!same) {
        free(gp_cache.path);
        gp_cache.path = path ? pt_xstrdup(path) : NULL;
        gp_cache.checked = 1;
        gp_cache.ok = 0;
        gp_cache.version[0] = gp_cache.why[0] = '\0';
        char *text = NULL, err[160];
        if (pt_gnuplot_run("set print '-'\nprint GPVAL_VERSION\nprint GPVAL_PATCHLEVEL\n",
                           5000, &text, NULL, err, sizeof err) != 0) {
            snprintf(gp_cache.why, sizeof gp_cache.why, "%s", err);
        } else {
            /* "5.4\n4\n": GPVAL_VERSION is a number, GPVAL_PATCHLEVEL a string */
            int major = 0, minor = 0;
            char patch[16] = "";
            int got = sscanf(text, "%d.%d %15s", &major, &minor, patch);
            text[strcspn(text, "\r\n")] = '\0';
            if (got < 2) {
                snprintf(gp_cache.why, sizeof gp_cache.why,
                         "gnuplot did not report its version: '%.60s'", text);
            } else if (major < 5) {
                snprintf(gp_cache.why, sizeof gp_cache.why,
                         "gnuplot %d.%d is older than 5.0", major, minor);
            } else {
                gp_cache.ok = 1;
                snprintf(gp_cache.version, sizeof gp_cache.version, "%d.%d%s%s", major, minor,
                         got == 3 ? "." : "", got == 3 ? patch : "");
            }
            free(text);
        }
    }
    if (version && vlen)
        snprintf(version, vlen, "%s", gp_cache.ok ? gp_cache.version : "");
    if (why && whylen)
        snprintf(why, whylen, "%s", gp_cache.ok ? "" : gp_cache.why);
    return gp_cache.ok;
}
