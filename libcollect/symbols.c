/* libcollect/symbols.c: symbol resolution with elfutils libdwfl (see symbols.h). */
#include "symbols.h"

#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINSTR __attribute__((no_instrument_function))

typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);

struct psc_symbols {
    Dwfl *dwfl;
    Dwfl_Callbacks callbacks;
    char *debuginfo_path;
    demangle_fn demangle;
};

NOINSTR static int report(psc_symbols *s)
{
    dwfl_report_begin(s->dwfl);
    int rc = dwfl_linux_proc_report(s->dwfl, getpid());
    if (dwfl_report_end(s->dwfl, NULL, NULL) != 0)
        return -1;
    return rc == 0 ? 0 : -1;
}

NOINSTR psc_symbols *psc_symbols_new(void)
{
    psc_symbols *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->callbacks.find_elf = dwfl_linux_proc_find_elf;
    s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
    s->callbacks.debuginfo_path = &s->debuginfo_path;
    s->dwfl = dwfl_begin(&s->callbacks);
    if (!s->dwfl) {
        free(s);
        return NULL;
    }
    report(s);
    s->demangle = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
    return s;
}

NOINSTR void psc_syminfo_free(psc_syminfo *info)
{
    free(info->name);
    free(info->module);
    free(info->file);
    memset(info, 0, sizeof *info);
}

NOINSTR void psc_symbols_resolve(psc_symbols *s, uint64_t addr, psc_syminfo *out)
{
    memset(out, 0, sizeof *out);
    out->offset = addr;
    Dwfl_Module *mod = NULL;
    if (s) {
        mod = dwfl_addrmodule(s->dwfl, (Dwarf_Addr)addr);
        if (!mod && report(s) == 0)
            mod = dwfl_addrmodule(s->dwfl, (Dwarf_Addr)addr);
    }
    if (mod) {
        Dwarf_Addr start = 0;
        const char *mname = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
        if (mname)
            out->module = strdup(mname);
        out->offset = addr - start;
        GElf_Off off;
        GElf_Sym sym;
        const char *name = dwfl_module_addrinfo(mod, (GElf_Addr)addr, &off, &sym, NULL, NULL, NULL);
        if (name) {
            char *dem = NULL;
            if (s->demangle && name[0] == '_' && name[1] == 'Z') {
                int status = -1;
                dem = s->demangle(name, NULL, NULL, &status);
                if (status != 0) {
                    free(dem);
                    dem = NULL;
                }
            }
            out->name = dem ? dem : strdup(name);
        }
        Dwfl_Line *line = dwfl_module_getsrc(mod, (Dwarf_Addr)addr);
        if (line) {
            int lineno = 0;
            const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
            if (file) {
                out->file = strdup(file);
                out->line = lineno;
            }
        }
    }
    if (!out->name) {
        char buf[32];
        snprintf(buf, sizeof buf, "0x%" PRIx64, out->offset);
        out->name = strdup(buf);
    }
}

NOINSTR void psc_symbols_free(psc_symbols *s)
{
    if (!s)
        return;
    dwfl_end(s->dwfl);
    free(s);
}
