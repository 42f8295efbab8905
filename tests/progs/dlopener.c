/* tests/progs/dlopener.c: loads an instrumented shared library with dlopen, calls it, and
 * unloads it with dlclose before exit; for symbol resolution of unloaded code.
 *
 * Usage: dlopener LIBRARY   (the test builds tests/progs/lib/plugin.c as LIBRARY)
 * Behaviour: dlopen(LIBRARY), plugin_entry() called 3 times (each calls the library's
 * static plugin_helper twice), dlclose, then after_close() once. Prints nothing; exit 0,
 * or 1 if the library cannot be loaded.
 * Expected profile: plugin_entry 3, plugin_helper 6 — with their names, module = LIBRARY;
 * after_close 1.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <dlfcn.h>
#include <stdio.h>

static volatile unsigned long dlopener_sink;

__attribute__((noinline)) static void after_close(void)
{
    dlopener_sink++;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "dlopener: usage: dlopener LIBRARY\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) {
        fprintf(stderr, "dlopener: %s\n", dlerror());
        return 1;
    }
    void (*entry)(void) = (void (*)(void))dlsym(h, "plugin_entry");
    if (!entry)
        return 1;
    for (int i = 0; i < 3; i++)
        entry();
    dlclose(h);
    after_close();
    return 0;
}
