# Makefile: builds pscope — the collector (libpscope.so/.a), the tools, the samples and
# the tests — and runs the demo, the tests, the benchmarks and the install.
#
# Layout (wildcard driven: adding a file needs no edit here):
#   libcollect/*.c        -> build/lib/libpscope.{so,a}  (never instrumented)
#   common/*.c + sql/*.sql-> shared by the collector and the tools (SQL embedded, generated)
#   tools/lib/*.c         -> build/lib/libpscope_tools.a (analysis library of the tools)
#   tools/pscope-*.c      -> build/bin/pscope-*          (thin mains)
#   samples/*.c           -> build/samples/*             (-finstrument-functions)
#   tests/progs/*.c       -> build/tests/progs/*         (instrumented test programs)
#   tests/unit/test_*.c   -> build/tests/test_*          (CUnit)
# The first thing any target does is scripts/deps.sh (installs missing Debian packages).

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
B       := build
SHELL   := /bin/bash

WARN    := -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion
OPT     ?= -O2 -g
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 $(OPT) $(WARN) -fPIC -I libcollect -I common -I tools/lib \
                 -I $(B)/gen $(shell pkg-config --cflags libcjson 2>/dev/null || echo -I/usr/include/cjson) $(EXTRA_CFLAGS)
LIBS_COLLECT  := -lsqlite3 -lcjson -lyaml -lpcre2-8 -ldw -lelf -lpthread -ldl -lm
LIBS_TOOLS    := -lsqlite3 -lcjson -lyaml -lpcre2-8 -lm $(EXTRA_LDFLAGS)
INSTR         := -finstrument-functions -O1 -g -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls \
                 -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I libcollect $(EXTRA_CFLAGS)

DEPS_STAMP := $(B)/.deps-ok

SQL_FILES      := $(sort $(wildcard sql/*.sql))
COLLECT_SRC    := $(sort $(wildcard libcollect/*.c))
COMMON_SRC     := $(sort $(wildcard common/*.c))
TOOLLIB_SRC    := $(sort $(wildcard tools/lib/*.c))
TOOL_SRC       := $(sort $(wildcard tools/pscope-*.c))
SAMPLE_SRC     := $(sort $(wildcard samples/*.c))
PROG_SRC       := $(sort $(wildcard tests/progs/*.c))
PROG_CXX_SRC   := $(sort $(wildcard tests/progs/*.cpp))
UNIT_SRC       := $(sort $(wildcard tests/unit/test_*.c))
FAKE_SRC       := $(sort $(wildcard tests/fake/*.c))

COLLECT_OBJ    := $(COLLECT_SRC:%.c=$(B)/obj/%.o)
COMMON_OBJ     := $(COMMON_SRC:%.c=$(B)/obj/%.o) $(B)/obj/gen/sql_embed.o
TOOLLIB_OBJ    := $(TOOLLIB_SRC:%.c=$(B)/obj/%.o)
TOOLS          := $(TOOL_SRC:tools/%.c=$(B)/bin/%)
SAMPLES        := $(SAMPLE_SRC:samples/%.c=$(B)/samples/%)
PROGS          := $(PROG_SRC:tests/progs/%.c=$(B)/tests/progs/%)
PROGS_LINKED   := $(PROG_SRC:tests/progs/%.c=$(B)/tests/progs/%-linked)
PROGS_CXX      := $(PROG_CXX_SRC:tests/progs/%.cpp=$(B)/tests/progs/%)
UNITS          := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FAKES          := $(FAKE_SRC:tests/fake/%.c=$(B)/tests/lib%.so)
PROG_LIBS      := $(patsubst tests/progs/lib/%.c,$(B)/tests/progs/lib%.so,$(sort $(wildcard tests/progs/lib/*.c)))

LIB_SO   := $(B)/lib/libpscope.so
LIB_A    := $(B)/lib/libpscope.a
TOOLLIB  := $(B)/lib/libpscope_tools.a
SQLEXT   := $(B)/lib/pscope_sqlite.so

.PHONY: all deps demo test bench install uninstall clean
all: $(LIB_SO) $(LIB_A) $(TOOLS) $(SAMPLES) $(if $(wildcard tools/sqlext/*.c),$(SQLEXT))

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(B) && touch $@

$(B)/gen/sql_embed.c: scripts/embed_sql.sh $(SQL_FILES) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	scripts/embed_sql.sh $(SQL_FILES) > $@.tmp && mv $@.tmp $@

$(B)/gen/schema_version.h: scripts/embed_sql.sh sql/schema.sql | $(DEPS_STAMP)
	@mkdir -p $(@D)
	scripts/embed_sql.sh --version-header sql/schema.sql > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/sql_embed.o: $(B)/gen/sql_embed.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -c $< -o $@

# Collector objects: hidden visibility, public API marked default in the sources.
$(B)/obj/libcollect/%.o: libcollect/%.c | $(DEPS_STAMP) $(B)/gen/schema_version.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -fvisibility=hidden -ftls-model=initial-exec -MMD -MP -c $< -o $@

$(B)/obj/%.o: %.c | $(DEPS_STAMP) $(B)/gen/sql_embed.c $(B)/gen/schema_version.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -MMD -MP -c $< -o $@

$(LIB_SO): $(COLLECT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libpscope.so -Wl,-z,nodelete -o $@ $^ $(LIBS_COLLECT)

$(LIB_A): $(COLLECT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(TOOLLIB): $(TOOLLIB_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/bin/%: tools/%.c $(TOOLLIB) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -MMD -MP -DPSCOPE_LIBDIR='"$(abspath $(B)/lib)"' -o $@ $< $(TOOLLIB) $(LIBS_TOOLS) -lelf

# pscope-run needs nothing of the analysis library.
$(B)/bin/pscope-run: tools/pscope-run.c libcollect/pscope.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -DPSCOPE_LIBDIR='"$(abspath $(B)/lib)"' -o $@ $< -lsqlite3 -lelf

$(SQLEXT): $(wildcard tools/sqlext/*.c) $(TOOLLIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -shared -o $@ $(wildcard tools/sqlext/*.c) $(TOOLLIB) -lm $(LIBS_TRACE)

# Samples are instrumented and link libpscope.so for the stage API (profiling stays off
# unless PSCOPE_OUTPUT or pscope-run turns it on). Test programs do NOT link pscope
# (pscope-run preloads it); their -linked variants link libpscope.so directly.
$(B)/samples/%: samples/%.c samples/sample_cli.h libcollect/pscope.h $(LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(INSTR) -I samples -o $@ $< -L$(B)/lib -Wl,-rpath,$(abspath $(B)/lib) -lpscope -lm -lpthread -ldl

$(B)/tests/progs/%: tests/progs/%.c libcollect/pscope.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(INSTR) -o $@ $< -lm -lpthread -ldl

$(B)/tests/progs/%-linked: tests/progs/%.c $(LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(INSTR) -I samples -o $@ $< -L$(B)/lib -Wl,-rpath,$(abspath $(B)/lib) -lpscope -lm -lpthread -ldl

$(B)/tests/%: tests/unit/%.c $(TOOLLIB) $(LIB_A) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -Wno-conversion -DPSCOPE_BUILD_DIR='"$(abspath $(B))"' -o $@ $< \
	  $(TOOLLIB) $(LIBS_TOOLS) -lcunit -ldw -lelf -lpthread -ldl

$(B)/tests/progs/%: tests/progs/%.cpp
	@mkdir -p $(@D)
	$(CXX) -finstrument-functions -O1 -g -fno-inline -Wall -Wextra -Werror $(EXTRA_CFLAGS) -o $@ $<

# Instrumented shared libraries the test programs dlopen.
$(B)/tests/progs/lib%.so: tests/progs/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(INSTR) -fPIC -shared -o $@ $<

# Stand-in libraries the tests load at run time (e.g. a fake NVML).
$(B)/tests/lib%.so: tests/fake/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O1 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $<

# ---- user-facing targets -------------------------------------------------------------

demo: all
	@scripts/demo.sh

test: all $(PROGS) $(PROGS_LINKED) $(PROGS_CXX) $(PROG_LIBS) $(FAKES) $(UNITS)
	@BUILD_DIR=$(B) scripts/run_tests.sh

bench: all
	@scripts/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/pscope/sql \
	  $(DESTDIR)$(PREFIX)/share/pscope/templates
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	$(if $(wildcard $(SQLEXT)),install -m 755 $(SQLEXT) $(DESTDIR)$(PREFIX)/lib/)
	install -m 644 libcollect/pscope.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(SQL_FILES) $(DESTDIR)$(PREFIX)/share/pscope/sql/
	$(if $(wildcard templates/*),install -m 644 $(wildcard templates/*) $(DESTDIR)$(PREFIX)/share/pscope/templates/)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|'"$$(sed -n 's/^#define PSCOPE_VERSION "\(.*\)"/\1/p' libcollect/pscope.h)"'|g' \
	  scripts/pscope.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/pscope.pc

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(TOOLS))) \
	  $(DESTDIR)$(PREFIX)/lib/libpscope.so $(DESTDIR)$(PREFIX)/lib/libpscope.a \
	  $(DESTDIR)$(PREFIX)/lib/pscope_sqlite.so $(DESTDIR)$(PREFIX)/include/pscope.h \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/pscope.pc
	rm -rf $(DESTDIR)$(PREFIX)/share/pscope

clean:
	rm -rf $(B)

# Further targets live in mk/*.mk (hardening: check-asan, check-valgrind, fuzz).
-include $(sort $(wildcard mk/*.mk))

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
