/* tools/pscope-run.c: run a program under the pscope collector.
 *
 *   pscope-run [-o DB] [--label L] [--scale N] [-c CONFIG] [--] PROG [ARGS...]
 *
 * Sets LD_PRELOAD to libpscope.so (found next to this binary in ../lib, or
 * PSCOPE_LIBDIR at build time, or $PSCOPE_LIB), PSCOPE_OUTPUT, PSCOPE_LABEL,
 * PSCOPE_SCALE and PSCOPE_CONFIG, then runs PROG and passes its exit status through
 * (128+N when killed by signal N, as shells do). Afterwards one summary line goes to
 * stderr: run id, calls seen/stored, database path. It warns when PROG has no reference
 * to __cyg_profile_func_enter (not built with -finstrument-functions) and runs it anyway.
 * A statically linked PROG (no program interpreter) cannot take LD_PRELOAD: unless it
 * has the collector linked in (defines pscope_start), pscope-run says how to link it and
 * exits 2 without running it. A PROG with the collector linked in (static or not) gets
 * the environment but no LD_PRELOAD (a second collector would start).
 *
 * Exit status: PROG's status; 2 on a usage error or a static PROG without the collector;
 * 127 when PROG cannot be executed.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <libelf.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pscope.h"

#ifndef PSCOPE_LIBDIR
#define PSCOPE_LIBDIR "/usr/local/lib"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: pscope-run [-o DB] [--label L] [--scale N] [-c CONFIG] [--] PROG [ARGS...]\n"
            "Run PROG (built with -finstrument-functions and/or the pscope stage API) under\n"
            "the pscope collector; each run is appended to DB as a new run.\n"
            "  -o, --output DB     database to write (default: ./pscope.db)\n"
            "  -l, --label L       label stored with the run (select it later with --run L)\n"
            "  -s, --scale N       the run's problem size n (for pscope-extrapolate)\n"
            "  -c, --config FILE   collector config (YAML) instead of the .pscope.yaml search\n"
            "  -q, --quiet         no summary line\n"
            "  -h, --help          this help;  -V, --version  print the version\n"
            "A statically linked PROG must link the collector (libpscope.a) itself.\n"
            "Exit status: PROG's (128+N if killed by signal N); 2 usage error or a static PROG\n"
            "without the collector; 127 PROG not runnable.\n");
}

/* Find PROG the way execvp will: as given if it has a slash, else along PATH. */
static char *resolve_program(const char *prog)
{
    if (strchr(prog, '/'))
        return strdup(prog);
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char *copy = strdup(path);
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char cand[PATH_MAX];
        snprintf(cand, sizeof cand, "%s/%s", *dir ? dir : ".", prog);
        if (access(cand, X_OK) == 0) {
            free(copy);
            return strdup(cand);
        }
    }
    free(copy);
    return NULL;
}

/* What pscope-run needs to know of PROG's ELF file. */
typedef struct {
    int readable;          /* 1 when the file is an ELF object libelf could read */
    int dynamic;           /* 1 when it has a program interpreter (PT_INTERP): LD_PRELOAD works */
    int instrumented;      /* 1 when a symbol table names __cyg_profile_func_enter */
    int contains_collector;/* 1 when it defines pscope_start itself (libpscope.a linked in) */
} elf_facts;

/* Read the facts of the ELF file at path; all zero when it is not readable ELF. */
static elf_facts inspect_elf(const char *path)
{
    elf_facts f = {0, 0, 0, 0};
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return f;
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    size_t nph = 0;
    if (e && elf_kind(e) == ELF_K_ELF && elf_getphdrnum(e, &nph) == 0) {
        f.readable = 1;
        for (size_t i = 0; i < nph; i++) {
            GElf_Phdr ph;
            if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_INTERP)
                f.dynamic = 1;
        }
        Elf_Scn *scn = NULL;
        while ((scn = elf_nextscn(e, scn))) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
                continue;
            Elf_Data *data = elf_getdata(scn, NULL);
            size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
            for (size_t i = 0; data && i < n; i++) {
                GElf_Sym sym;
                if (!gelf_getsym(data, (int)i, &sym))
                    continue;
                const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
                if (!name)
                    continue;
                if (strcmp(name, "__cyg_profile_func_enter") == 0)
                    f.instrumented = 1;
                else if (strcmp(name, "pscope_start") == 0 && sym.st_shndx != SHN_UNDEF)
                    f.contains_collector = 1;
            }
        }
    }
    if (e)
        elf_end(e);
    close(fd);
    return f;
}

static char *find_library(void)
{
    const char *env = getenv("PSCOPE_LIB");
    if (env && *env)
        return strdup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char cand[PATH_MAX + 32];
            snprintf(cand, sizeof cand, "%s/../lib/libpscope.so", exe);
            if (access(cand, R_OK) == 0)
                return realpath(cand, NULL);
        }
    }
    char cand[PATH_MAX];
    snprintf(cand, sizeof cand, "%s/libpscope.so", PSCOPE_LIBDIR);
    if (access(cand, R_OK) == 0)
        return strdup(cand);
    return NULL;
}

/* Print the summary of the run of process pid (the newest one) to stderr. */
static void print_summary(const char *db_path, pid_t pid)
{
    sqlite3 *db;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "pscope-run: no run recorded (%s not readable)\n", db_path);
        sqlite3_close(db);
        return;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st;
    const char *sql = "SELECT id, calls_seen, calls_stored, complete, events_lost,"
                      " (SELECT count(*) FROM run c WHERE c.parent_run_id = run.id)"
                      " FROM run WHERE pid = ? ORDER BY id DESC LIMIT 1";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, pid);
        if (sqlite3_step(st) == SQLITE_ROW) {
            fprintf(stderr, "pscope-run: run %lld: %lld calls seen, %lld stored%s%s -> %s",
                    sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                    sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3) ? "" : " (incomplete)",
                    sqlite3_column_int64(st, 4) ? " (events lost)" : "", db_path);
            if (sqlite3_column_int64(st, 5))
                fprintf(stderr, " (+%lld child run%s)", sqlite3_column_int64(st, 5),
                        sqlite3_column_int64(st, 5) == 1 ? "" : "s");
            fputc('\n', stderr);
        } else {
            fprintf(stderr, "pscope-run: no run recorded for pid %d in %s\n", (int)pid, db_path);
        }
        sqlite3_finalize(st);
    } else {
        fprintf(stderr, "pscope-run: no run recorded in %s\n", db_path);
    }
    sqlite3_close(db);
}

int main(int argc, char **argv)
{
    const char *output = NULL, *label = NULL, *scale = NULL, *config = NULL;
    int quiet = 0;
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"label", required_argument, 0, 'l'},
        {"scale", required_argument, 0, 's'},  {"config", required_argument, 0, 'c'},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},      {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "+o:l:s:c:qhV", opts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 'l': label = optarg; break;
        case 's': scale = optarg; break;
        case 'c': config = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("pscope-run %s\n", PSCOPE_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "pscope-run: no program given\n");
        usage(stderr);
        return 2;
    }
    if (scale) {
        char *end;
        double v = strtod(scale, &end);
        if (end == scale || *end || v < 0) {
            fprintf(stderr, "pscope-run: --scale: expected a non-negative number, got '%s'\n", scale);
            return 2;
        }
    }
    if (config && access(config, R_OK) != 0) {
        fprintf(stderr, "pscope-run: --config: cannot read '%s': %s\n", config, strerror(errno));
        return 2;
    }
    char *lib = find_library();
    if (!lib) {
        fprintf(stderr, "pscope-run: libpscope.so not found (set PSCOPE_LIB)\n");
        return 2;
    }
    char *prog = resolve_program(argv[optind]);
    if (!prog) {
        fprintf(stderr, "pscope-run: %s: command not found\n", argv[optind]);
        free(lib);
        return 127;
    }
    elf_facts facts = inspect_elf(prog);
    if (facts.readable && !facts.dynamic && !facts.contains_collector) {
        fprintf(stderr,
                "pscope-run: %s is statically linked: the collector cannot be preloaded into it."
                " Link the collector in instead and run it with PSCOPE_OUTPUT set, e.g.\n"
                "  cc -static -finstrument-functions ... $(pkg-config --cflags pscope)"
                " $(pkg-config --static --libs pscope)\n"
                "  PSCOPE_OUTPUT=prof.db %s   (or pscope-run -o prof.db -- %s)\n"
                "(see the static programs section of docs/collector.md)\n",
                prog, prog, prog);
        free(prog);
        free(lib);
        return 2;
    }
    if (facts.readable && !facts.instrumented)
        fprintf(stderr, "pscope-run: warning: %s has no reference to __cyg_profile_func_enter"
                        " (not built with -finstrument-functions): only stages and resources"
                        " will be recorded\n", prog);

    /* Absolute database path, so a program that changes directory writes the same file. */
    char db_abs[2 * PATH_MAX + 2];
    const char *db = output ? output : "pscope.db";
    if (db[0] == '/') {
        snprintf(db_abs, sizeof db_abs, "%s", db);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) {
            fprintf(stderr, "pscope-run: cannot read the working directory: %s\n", strerror(errno));
            free(prog);
            free(lib);
            return 2;
        }
        snprintf(db_abs, sizeof db_abs, "%s/%s", cwd, db);
    }
    /* A program with the collector linked in (libpscope.a) only needs the environment: a
     * preloaded second copy would start a second collector. */
    char *preload = NULL;
    if (!facts.contains_collector) {
        const char *old_preload = getenv("LD_PRELOAD");
        size_t plen = strlen(lib) + (old_preload ? strlen(old_preload) + 2 : 1);
        preload = malloc(plen);
        snprintf(preload, plen, "%s%s%s", lib, old_preload && *old_preload ? ":" : "",
                 old_preload ? old_preload : "");
        setenv("LD_PRELOAD", preload, 1);
    }
    setenv("PSCOPE_OUTPUT", db_abs, 1);
    if (label)
        setenv("PSCOPE_LABEL", label, 1);
    if (scale)
        setenv("PSCOPE_SCALE", scale, 1);
    if (config) {
        char *abs = realpath(config, NULL);
        setenv("PSCOPE_CONFIG", abs ? abs : config, 1);
        free(abs);
    }

    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "pscope-run: fork: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        execv(prog, argv + optind);
        fprintf(stderr, "pscope-run: cannot execute %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    /* The program owns the terminal's interrupts; we only wait for it. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "pscope-run: waitpid: %s\n", strerror(errno));
            return 2;
        }
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
    if (!quiet && !(WIFEXITED(status) && WEXITSTATUS(status) == 127 && access(db_abs, F_OK) != 0))
        print_summary(db_abs, pid);
    free(prog);
    free(lib);
    free(preload);
    return code;
}
