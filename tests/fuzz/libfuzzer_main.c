/* tests/fuzz/libfuzzer_main.c: the libFuzzer entry of one target of targets.c, chosen at
 * compile time with -DPSCOPE_FUZZ_TARGET=pscope_fuzz_<name> (mk/hardening.mk builds one
 * binary per target as build-fuzz/fuzz/fuzz_<name>). Only compiled with
 * clang -fsanitize=fuzzer; the plain build replays the same targets with replay_main.c.
 */
#include "targets.h"

#ifndef PSCOPE_FUZZ_TARGET
#error "define PSCOPE_FUZZ_TARGET to the entry point, e.g. pscope_fuzz_config"
#endif

/* libFuzzer calls this for every input; the contract is that of the target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return PSCOPE_FUZZ_TARGET(data, size);
}
