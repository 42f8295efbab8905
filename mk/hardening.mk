# mk/hardening.mk: pscope's hardening checks (included by the Makefile; docs/hardening.md).
#
#   make check-asan       library, tools, samples, test programs and tests built with
#                         -fsanitize=address,undefined into $(ASAN_B) and the whole suite run
#                         there (scripts/check-asan.sh sets the sanitizer environment)
#   make check-valgrind   every tool under valgrind memcheck (--error-exitcode, full leak
#                         check) on databases profiled from the samples (scripts/check-valgrind.sh)
#   make fuzz             libFuzzer targets of tests/fuzz/targets*.c, FUZZ_SECONDS each;
#                         crash inputs are kept in tests/fuzz/crashes/<target>/ (scripts/check-fuzz.sh)
#
# It also adds $(B)/tests/fuzz/replay to `make test`: the same fuzz entry points built
# without libFuzzer, which tests/e2e/fuzz_regress.sh runs on the corpus and every crash.
# Every check builds in a directory of its own; none touches build/.

ASAN_B       ?= build-asan
VALGRIND_B   ?= build-valgrind
FUZZ_B       ?= build-fuzz
FUZZ_SECONDS ?= 60
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_TARGETS := config db spec regex chrome cprofile uftrace traceblk

FUZZ_COMMON  := tests/fuzz/targets.c tests/fuzz/targets_import.c tests/fuzz/targets.h

.PHONY: check-asan check-valgrind fuzz

# The replay program: compiled with the build's own flags, so under check-asan it is
# sanitized like everything else.
$(B)/tests/fuzz/replay: tests/fuzz/replay_main.c $(FUZZ_COMMON) $(TOOLLIB) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -I tests/fuzz -o $@ tests/fuzz/replay_main.c tests/fuzz/targets.c tests/fuzz/targets_import.c \
	  $(TOOLLIB) $(LIBS_TOOLS)

test: $(B)/tests/fuzz/replay

# The collector library is linked with the sanitizer runtimes too (LIBS_COLLECT), so that
# preloading it into an uninstrumented program (pscope-run /bin/true) finds them.
check-asan: | $(DEPS_STAMP)
	@MAKE='$(MAKE)' ASAN_B='$(ASAN_B)' SAN_FLAGS='$(SAN_FLAGS)' LIBS_COLLECT_BASE='$(LIBS_COLLECT)' \
	  scripts/check-asan.sh

check-valgrind: | $(DEPS_STAMP)
	@MAKE='$(MAKE)' VALGRIND_B='$(VALGRIND_B)' scripts/check-valgrind.sh

# One libFuzzer binary per target over a clang build of libpscope_tools.a with coverage.
$(FUZZ_B)/fuzz/fuzz_%: tests/fuzz/libfuzzer_main.c $(FUZZ_COMMON) $(FUZZ_B)/lib/libpscope_tools.a
	@mkdir -p $(@D)
	clang -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -I libcollect -I common -I tools/lib -I tests/fuzz -I $(FUZZ_B)/gen \
	  $(shell pkg-config --cflags libcjson 2>/dev/null || echo -I/usr/include/cjson) \
	  -DPSCOPE_FUZZ_TARGET=pscope_fuzz_$* -o $@ tests/fuzz/libfuzzer_main.c tests/fuzz/targets.c tests/fuzz/targets_import.c \
	  $(FUZZ_B)/lib/libpscope_tools.a -lsqlite3 -lcjson -lyaml -lpcre2-8 -lm $(LIBS_TRACE)

fuzz: | $(DEPS_STAMP)
	@MAKE='$(MAKE)' FUZZ_B='$(FUZZ_B)' FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_TARGETS='$(FUZZ_TARGETS)' \
	  scripts/check-fuzz.sh
