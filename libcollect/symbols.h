/* libcollect/symbols.h: function address -> name, module, source file and line, with
 * elfutils libdwfl over the live process's mappings (PIE executables, shared libraries
 * and dlopen'ed ones; static functions come from .symtab). Used on the writer thread. */
#ifndef PSCOPE_SYMBOLS_H
#define PSCOPE_SYMBOLS_H

#include <stdint.h>

typedef struct psc_symbols psc_symbols;

typedef struct psc_syminfo {
    char *name;      /* symbol, C++ demangled when possible; "0x<offset>" if unknown (malloc'd) */
    char *module;    /* ELF path, or NULL if the address is in no known module (malloc'd) */
    char *file;      /* source file from DWARF, or NULL (malloc'd) */
    int line;        /* source line, 0 if unknown */
    uint64_t offset; /* address - module load base (the address itself if no module) */
} psc_syminfo;

/* New resolver for the calling process, or NULL if libdwfl cannot be initialised. */
__attribute__((no_instrument_function)) psc_symbols *psc_symbols_new(void);

/* Resolve addr into *out (all fields set; strings owned by the caller, free with
 * psc_syminfo_free). Never fails: unknown parts are NULL/0 and name falls back to hex.
 * Re-reads the process mappings once when addr lies in no known module (dlopen). */
__attribute__((no_instrument_function)) void psc_symbols_resolve(psc_symbols *s, uint64_t addr,
                                                                  psc_syminfo *out);

__attribute__((no_instrument_function)) void psc_syminfo_free(psc_syminfo *info);
__attribute__((no_instrument_function)) void psc_symbols_free(psc_symbols *s);

#endif
