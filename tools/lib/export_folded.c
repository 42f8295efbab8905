/* tools/lib/export_folded.c: FlameGraph folded stacks from a run's calling-context tree
 * (exp_write_folded in export.h). Exact: one line per call path with its exact self time
 * (or calls), no sampling. A frame name is escaped for the format here and only here:
 * ';' separates frames and a newline ends a line, so ';' becomes ':' and control
 * characters become '?'. */
#include "export.h"

#include <stdlib.h>

static void put_frame(FILE *f, const char *name)
{
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        if (*s == ';')
            putc(':', f);
        else if (*s < 0x20 || *s == 0x7f)
            putc('?', f);
        else
            putc(*s, f);
    }
}

size_t exp_write_folded(FILE *f, const exp_profile *p, int weight_calls)
{
    size_t lines = 0, cap = 64;
    size_t *stack = pt_xmalloc(cap * sizeof *stack);
    for (size_t i = 0; i < p->npaths; i++) {
        const exp_path *c = &p->paths[i];
        int64_t w = weight_calls ? c->calls : c->self_dur;
        if (w <= 0 || !p->funcs[c->func].keep)
            continue;
        size_t n = 0;
        for (long k = (long)i; k >= 0; k = p->paths[k].parent) {
            if (n == cap) {
                cap *= 2;
                stack = pt_xrealloc(stack, cap * sizeof *stack);
            }
            stack[n++] = p->paths[k].func;
        }
        while (n--) {
            put_frame(f, p->funcs[stack[n]].name);
            if (n)
                putc(';', f);
        }
        fprintf(f, " %lld\n", (long long)w);
        lines++;
    }
    free(stack);
    return lines;
}
