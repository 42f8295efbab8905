/* tools/lib/import_uftrace.c: pscope-import's reader of uftrace data directories
 * (`uftrace record` output; imp_read_uftrace in import.h), parsed directly from uftrace's
 * documented on-disk format, without running uftrace:
 *
 *   info        binary header: magic "Ftrace!\0", u32 version (3 or 4), u16 header size,
 *               u8 endianness (1 = little), u8 ELF class, feature and info masks; then
 *               "key:value" text lines (cmdline, exename, taskinfo, osinfo:hostname, ...)
 *   task.txt    "SESS timestamp=S.N pid=P sid=ID exename=\"PATH\"", "TASK timestamp=S.N
 *               tid=T pid=P", "FORK ..." lines
 *   sid-ID.map  the session's executable mappings, /proc/PID/maps syntax; a module's first
 *               line gives its load base
 *   NAME.sym    per module (NAME = the module's base name): "# path name: PATH" and
 *               "ADDR TYPE NAME" lines, ADDR relative to the module's load base
 *   TID.dat     the task's records, 16 bytes each, little-endian: u64 time (ns,
 *               CLOCK_MONOTONIC), u64 with type (bits 0-1: 0 entry, 1 exit, 2 event,
 *               3 lost), more (bit 2: argument or return-value data follows, laid out
 *               by the recording's argument specs), magic (bits 3-5, always 5), depth
 *               (bits 6-15), address (bits 16-63)
 *
 * Entries and exits go to the run builder with the exiting function checked (frames above
 * a matching one closed, as the collector does); events are skipped; "lost" records count
 * into run.events_lost. Records with argument data (-A/-R/-a recordings) are refused. All tasks of the recording become threads of one run. An address
 * without a symbol becomes "0x..." (its module, if any, is kept).
 */
#include "import.h"
#include "import_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptool.h"

#define UFT_MAGIC 5u
#define UFT_REC 16u

typedef struct uft_sym {
    uint64_t addr;
    char *name;
} uft_sym;

typedef struct uft_module {
    uint64_t start, end; /* load range of its executable mappings */
    char *path;
    uft_sym *syms; /* sorted by addr */
    size_t nsyms;
} uft_module;

struct imp_uftrace {
    uft_module *mods;
    size_t nmods;
    uint64_t *cache_addr; /* address -> function index + 1, open addressing */
    uint32_t *cache_fn;
    size_t cache_cap, cache_used;
    uint64_t lost;
};

imp_uftrace *imp_uftrace_new(void)
{
    return pt_xcalloc(1, sizeof(imp_uftrace));
}

void imp_uftrace_free(imp_uftrace *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->nmods; i++) {
        for (size_t k = 0; k < u->mods[i].nsyms; k++)
            free(u->mods[i].syms[k].name);
        free(u->mods[i].syms);
        free(u->mods[i].path);
    }
    free(u->mods);
    free(u->cache_addr);
    free(u->cache_fn);
    free(u);
}

/* The next line of text[0..len) from *pos into a fresh NUL-terminated copy (caller frees);
 * NULL at the end. */
static char *next_line(const char *text, size_t len, size_t *pos)
{
    if (*pos >= len)
        return NULL;
    const char *s = text + *pos;
    const char *nl = memchr(s, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - s) : len - *pos;
    *pos += n + (nl ? 1 : 0);
    char *line = pt_xmalloc(n + 1);
    memcpy(line, s, n);
    line[n] = '\0';
    if (n && line[n - 1] == '\r')
        line[n - 1] = '\0';
    return line;
}

static uft_module *module_by_path(imp_uftrace *u, const char *path)
{
    for (size_t i = 0; i < u->nmods; i++)
        if (strcmp(u->mods[i].path, path) == 0)
            return &u->mods[i];
    return NULL;
}

int imp_uftrace_parse_map(imp_uftrace *u, const char *text, size_t len, const char *path)
{
    size_t pos = 0, lineno = 0;
    char *line;
    while ((line = next_line(text, len, &pos))) {
        lineno++;
        unsigned long long start, end;
        char perms[8];
        int off = 0;
        if (line[0] == '\0') {
            free(line);
            continue;
        }
        if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &start, &end, perms, &off) < 3 || off == 0 ||
            end < start) {
            pt_error("%s: line %zu: not a memory map line", path, lineno);
            free(line);
            return PT_EXIT_DATA;
        }
        char *mpath = line + off;
        char *sp = strstr(mpath, " build-id:");
        if (sp)
            *sp = '\0';
        if (mpath[0] == '/' && perms[2] == 'x') {
            uft_module *m = module_by_path(u, mpath);
            if (!m) {
                u->mods = pt_xrealloc(u->mods, (u->nmods + 1) * sizeof *u->mods);
                m = &u->mods[u->nmods++];
                memset(m, 0, sizeof *m);
                m->path = pt_xstrdup(mpath);
                m->start = start;
                m->end = end;
            } else {
                if (start < m->start)
                    m->start = start;
                if (end > m->end)
                    m->end = end;
            }
        }
        free(line);
    }
    return 0;
}

static int sym_cmp(const void *pa, const void *pb)
{
    const uft_sym *a = pa, *b = pb;
    return a->addr < b->addr ? -1 : a->addr > b->addr;
}

int imp_uftrace_parse_sym(imp_uftrace *u, const char *text, size_t len, const char *path)
{
    size_t pos = 0, lineno = 0;
    char *line;
    uft_module *m = NULL;
    uft_sym *syms = NULL;
    size_t n = 0, cap = 0;
    while ((line = next_line(text, len, &pos))) {
        lineno++;
        if (line[0] == '#') {
            const char *key = "# path name: ";
            if (strncmp(line, key, strlen(key)) == 0)
                m = module_by_path(u, line + strlen(key));
            free(line);
            continue;
        }
        unsigned long long addr;
        char type;
        int off = 0;
        if (line[0] == '\0') {
            free(line);
            continue;
        }
        if (sscanf(line, "%llx %c %n", &addr, &type, &off) < 2 || off == 0) {
            pt_error("%s: line %zu: not a symbol line", path, lineno);
            free(line);
            for (size_t i = 0; i < n; i++)
                free(syms[i].name);
            free(syms);
            return PT_EXIT_DATA;
        }
        if (strchr("TtWwPi", type) && line[off]) {
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                syms = pt_xrealloc(syms, cap * sizeof *syms);
            }
            syms[n].addr = addr;
            syms[n].name = pt_xstrdup(line + off);
            n++;
        }
        free(line);
    }
    if (!m) { /* a module this recording never mapped: nothing to resolve with it */
        for (size_t i = 0; i < n; i++)
            free(syms[i].name);
        free(syms);
        return 0;
    }
    if (n > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(syms, n, sizeof *syms, sym_cmp);
    for (size_t i = 0; i < m->nsyms; i++)
        free(m->syms[i].name);
    free(m->syms);
    m->syms = syms;
    m->nsyms = n;
    return 0;
}

/* The builder function of run-time address addr (created on first sight). */
static uint32_t resolve(imp_uftrace *u, imp_builder *b, uint64_t addr)
{
    if (u->cache_cap) {
        for (size_t j = (size_t)(addr * 0x9E3779B97F4A7C15ull >> 20) & (u->cache_cap - 1);
             u->cache_fn[j]; j = (j + 1) & (u->cache_cap - 1))
            if (u->cache_addr[j] == addr)
                return u->cache_fn[j] - 1;
    }
    const uft_module *m = NULL;
    for (size_t i = 0; i < u->nmods; i++)
        if (addr >= u->mods[i].start && addr < u->mods[i].end)
            m = &u->mods[i];
    uint64_t offset = m ? addr - m->start : addr;
    const char *name = NULL;
    if (m && m->nsyms) {
        size_t lo = 0, hi = m->nsyms;
        while (lo < hi) { /* first symbol above offset */
            size_t mid = lo + (hi - lo) / 2;
            if (m->syms[mid].addr <= offset)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0)
            name = m->syms[lo - 1].name;
    }
    char hex[32];
    if (!name) {
        snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)offset);
        name = hex;
    }
    uint32_t fn = imp_function(b, name, m ? m->path : NULL, NULL, 0, addr, offset);
    if ((u->cache_used + 1) * 2 > u->cache_cap) {
        size_t ncap = u->cache_cap ? u->cache_cap * 2 : 1024;
        uint64_t *na = pt_xcalloc(ncap, sizeof *na);
        uint32_t *nf = pt_xcalloc(ncap, sizeof *nf);
        for (size_t i = 0; i < u->cache_cap; i++) {
            if (!u->cache_fn[i])
                continue;
            size_t j = (size_t)(u->cache_addr[i] * 0x9E3779B97F4A7C15ull >> 20) & (ncap - 1);
            while (nf[j])
                j = (j + 1) & (ncap - 1);
            na[j] = u->cache_addr[i];
            nf[j] = u->cache_fn[i];
        }
        free(u->cache_addr);
        free(u->cache_fn);
        u->cache_addr = na;
        u->cache_fn = nf;
        u->cache_cap = ncap;
    }
    size_t j = (size_t)(addr * 0x9E3779B97F4A7C15ull >> 20) & (u->cache_cap - 1);
    while (u->cache_fn[j])
        j = (j + 1) & (u->cache_cap - 1);
    u->cache_addr[j] = addr;
    u->cache_fn[j] = fn + 1;
    u->cache_used++;
    return fn;
}

static uint64_t rd_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* the format is little-endian, as this reader's hosts (x86-64) */
    return v;
}

int imp_uftrace_parse_dat(imp_uftrace *u, imp_builder *b, int64_t tid, const uint8_t *data,
                          size_t size, const char *path)
{
    uint32_t th = imp_thread(b, tid, NULL);
    size_t pos = 0;
    uint64_t rec = 0;
    while (pos < size) {
        rec++;
        if (size - pos < UFT_REC) {
            pt_error("%s: offset %zu: record %llu: truncated (%zu of 16 bytes)", path, pos,
                     (unsigned long long)rec, size - pos);
            return PT_EXIT_DATA;
        }
        uint64_t time = rd_u64(data + pos), word = rd_u64(data + pos + 8);
        unsigned type = (unsigned)(word & 3u), more = (unsigned)(word >> 2) & 1u;
        unsigned magic = (unsigned)(word >> 3) & 7u;
        uint64_t addr = word >> 16;
        if (magic != UFT_MAGIC) {
            pt_error("%s: offset %zu: record %llu: bad magic %u (not uftrace data, or damaged)",
                     path, pos, (unsigned long long)rec, magic);
            return PT_EXIT_DATA;
        }
        if (time > (uint64_t)IMP_MAX_TIME_NS) {
            pt_error("%s: offset %zu: record %llu: timestamp out of range", path, pos,
                     (unsigned long long)rec);
            return PT_EXIT_DATA;
        }
        pos += UFT_REC;
        if (more) {
            /* argument/return-value data follows; its size comes from the recording's
             * argument specs, which this reader does not interpret */
            pt_error("%s: offset %zu: record %llu carries argument or return-value data "
                     "(recorded with -A/-R/-a): not supported; record without those options",
                     path, pos - UFT_REC, (unsigned long long)rec);
            return PT_EXIT_DATA;
        }
        if (type == 0)
            imp_enter(b, th, resolve(u, b, addr), (int64_t)time);
        else if (type == 1)
            imp_exit(b, th, (int64_t)time, resolve(u, b, addr));
        else if (type == 3)
            u->lost += addr;
    }
    return 0;
}

/* Read dir/name into memory (caller frees); NULL with *err set when missing/unreadable. */
static char *read_text(const char *dir, const char *name, size_t *len, int *err)
{
    char *p = pt_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    free(p);
    if (!f) {
        *err = errno;
        return NULL;
    }
    size_t cap = 4096, n = 0, got;
    char *buf = pt_xmalloc(cap + 1);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = pt_xrealloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The value of key=value in a task.txt line (value up to a space; quotes stripped). */
static int task_field(const char *line, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key);
    for (const char *p = line; (p = strstr(p, key)); p++) {
        if ((p != line && p[-1] != ' ') || p[kl] != '=')
            continue;
        const char *v = p + kl + 1;
        int quoted = *v == '"';
        v += quoted;
        size_t n = 0;
        while (v[n] && (quoted ? v[n] != '"' : v[n] != ' ') && n + 1 < size) {
            out[n] = v[n];
            n++;
        }
        out[n] = '\0';
        return 0;
    }
    return -1;
}

/* info: header check and the text keys pscope keeps. */
static int parse_info(imp_builder *b, const char *dir, imp_meta *meta)
{
    size_t len = 0;
    int err = 0;
    char *info = read_text(dir, "info", &len, &err);
    if (!info) {
        pt_error("%s: no readable 'info' file (%s): not a uftrace data directory", dir, strerror(err));
        return PT_EXIT_DATA;
    }
    uint16_t hsize = 0;
    uint32_t version = 0;
    if (len >= 14) {
        memcpy(&version, info + 8, 4);
        memcpy(&hsize, info + 12, 2);
    }
    if (len < 40 || memcmp(info, "Ftrace!", 8) != 0) {
        pt_error("%s/info: offset 0: bad magic (not a uftrace data directory)", dir);
        free(info);
        return PT_EXIT_DATA;
    }
    if (version < 3 || version > 4 || hsize < 16 || hsize > len || (unsigned char)info[14] != 1) {
        pt_error("%s/info: offset 8: unsupported file version %u / header size %u / endianness %u "
                 "(pscope reads little-endian versions 3 and 4)", dir, version, hsize,
                 (unsigned)(unsigned char)info[14]);
        free(info);
        return PT_EXIT_DATA;
    }
    size_t pos = hsize;
    char *line;
    while ((line = next_line(info, len, &pos))) {
        if (strncmp(line, "cmdline:", 8) == 0)
            meta->command = imp_keep_string(b, pt_xstrdup(line + 8));
        else if (strncmp(line, "exename:", 8) == 0)
            meta->executable = imp_keep_string(b, pt_xstrdup(line + 8));
        else if (strncmp(line, "osinfo:hostname=", 16) == 0)
            meta->host = imp_keep_string(b, pt_xstrdup(line + 16));
        free(line);
    }
    free(info);
    return 0;
}

/* task.txt: the session pid and the tasks in order (main first); *tids caller frees. */
static int parse_tasks(imp_builder *b, const char *dir, imp_meta *meta, int64_t **tids, size_t *ntids)
{
    size_t len = 0;
    int err = 0;
    char *text = read_text(dir, "task.txt", &len, &err);
    *tids = NULL;
    *ntids = 0;
    if (!text) {
        pt_error("%s: no readable 'task.txt' (%s)", dir, strerror(err));
        return PT_EXIT_DATA;
    }
    size_t pos = 0, lineno = 0;
    char *line, v[4096];
    int rc = 0;
    while (!rc && (line = next_line(text, len, &pos))) {
        lineno++;
        if (strncmp(line, "SESS ", 5) == 0) {
            if (!meta->pid && task_field(line, "pid", v, sizeof v) == 0)
                meta->pid = strtoll(v, NULL, 10);
            if (!meta->executable && task_field(line, "exename", v, sizeof v) == 0)
                meta->executable = imp_keep_string(b, pt_xstrdup(v));
        } else if (strncmp(line, "TASK ", 5) == 0) {
            char *end = NULL;
            if (task_field(line, "tid", v, sizeof v) != 0 || (strtoll(v, &end, 10), *end)) {
                pt_error("%s/task.txt: line %zu: TASK without a numeric tid", dir, lineno);
                rc = PT_EXIT_DATA;
            } else {
                *tids = pt_xrealloc(*tids, (*ntids + 1) * sizeof **tids);
                (*tids)[(*ntids)++] = strtoll(v, NULL, 10);
            }
        }
        free(line);
    }
    free(text);
    return rc;
}

/* Parse every file of `dir` whose name starts with prefix and ends with suffix. */
static int each_file(imp_uftrace *u, const char *dir, const char *prefix, const char *suffix,
                     int (*fn)(imp_uftrace *, const char *, size_t, const char *))
{
    DIR *d = opendir(dir);
    if (!d) {
        pt_error("%s: cannot list: %s", dir, strerror(errno));
        return PT_EXIT_DATA;
    }
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        size_t n = strlen(e->d_name), pl = strlen(prefix), sl = strlen(suffix);
        if (n < pl + sl || strncmp(e->d_name, prefix, pl) != 0 || strcmp(e->d_name + n - sl, suffix) != 0)
            continue;
        size_t len = 0;
        int err = 0;
        char *text = read_text(dir, e->d_name, &len, &err);
        char *p = pt_xasprintf("%s/%s", dir, e->d_name);
        if (!text) {
            pt_error("%s: cannot read: %s", p, strerror(err));
            rc = PT_EXIT_DATA;
        } else {
            rc = fn(u, text, len, p);
        }
        free(p);
        free(text);
    }
    closedir(d);
    return rc;
}

int imp_read_uftrace(imp_builder *b, const char *dir, imp_meta *meta)
{
    int rc = parse_info(b, dir, meta);
    int64_t *tids = NULL;
    size_t ntids = 0;
    if (!rc)
        rc = parse_tasks(b, dir, meta, &tids, &ntids);
    imp_uftrace *u = imp_uftrace_new();
    if (!rc)
        rc = each_file(u, dir, "sid-", ".map", imp_uftrace_parse_map);
    if (!rc)
        rc = each_file(u, dir, "", ".sym", imp_uftrace_parse_sym);
    for (size_t i = 0; !rc && i < ntids; i++)
        imp_thread(b, tids[i], NULL); /* task order: the session's main task first */
    for (size_t i = 0; !rc && i < ntids; i++) {
        char *p = pt_xasprintf("%s/%lld.dat", dir, (long long)tids[i]);
        int fd = open(p, O_RDONLY);
        struct stat sb;
        if (fd < 0) { /* a task that recorded nothing has no file */
            if (errno != ENOENT) {
                pt_error("%s: cannot open: %s", p, strerror(errno));
                rc = PT_EXIT_DATA;
            }
        } else if (fstat(fd, &sb) == 0 && sb.st_size > 0) {
            void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (map == MAP_FAILED) {
                pt_error("%s: cannot map: %s", p, strerror(errno));
                rc = PT_EXIT_DATA;
            } else {
                madvise(map, (size_t)sb.st_size, MADV_SEQUENTIAL);
                rc = imp_uftrace_parse_dat(u, b, tids[i], map, (size_t)sb.st_size, p);
                munmap(map, (size_t)sb.st_size);
            }
        }
        if (fd >= 0)
            close(fd);
        free(p);
    }
    b->events_lost += u->lost;
    imp_uftrace_free(u);
    free(tids);
    return rc;
}
