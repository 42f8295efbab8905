/* tests/progs/lib/plugin.c: an instrumented shared library that tests/progs/dlopener.c
 * loads with dlopen and unloads with dlclose, for symbol resolution of dlclose'd code.
 * plugin_entry() calls plugin_helper() (static) twice. */
static volatile unsigned long plugin_sink;

__attribute__((noinline)) static void plugin_helper(void)
{
    plugin_sink++;
}

__attribute__((noinline)) void plugin_entry(void)
{
    plugin_helper();
    plugin_helper();
}
