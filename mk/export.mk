# mk/export.mk: build rules of pscope-export and pscope-import (included by the Makefile;
# docs/export.md).
#
#   proto/profile.proto -> $(B)/gen/profile.pb-c.{c,h} (protoc-c), compiled into
#                          libpscope_tools.a for the pprof writer (tools/lib/export_pprof.c)
#   every tool and test links protobuf-c and zlib (LIBS_TOOLS)
#   pscope-import also links the collector's store object (libcollect/store.c, the one
#                          place that creates and upgrades a run database) — that object
#                          alone: the archive libpscope.a would bring the collector's
#                          malloc interposer and constructors along

PROTO_GEN := $(B)/gen/profile.pb-c.c $(B)/gen/profile.pb-c.h
LIBS_TOOLS += -lprotobuf-c -lz

$(B)/gen/profile.pb-c.h: $(B)/gen/profile.pb-c.c
$(B)/gen/profile.pb-c.c: proto/profile.proto | $(DEPS_STAMP)
	@mkdir -p $(@D)
	protoc-c --c_out=$(B)/gen --proto_path=proto proto/profile.proto

# Generated code: the project's warnings minus -Wconversion (protoc-c's own casts).
$(B)/obj/gen/profile.pb-c.o: $(B)/gen/profile.pb-c.c $(B)/gen/profile.pb-c.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -Wno-conversion -c $< -o $@

$(B)/obj/tools/lib/export_pprof.o: $(B)/gen/profile.pb-c.h
$(TOOLLIB): $(B)/obj/gen/profile.pb-c.o

$(B)/bin/pscope-import: tools/pscope-import.c $(TOOLLIB) $(B)/obj/libcollect/store.o | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -MMD -MP -o $@ $< $(B)/obj/libcollect/store.o $(TOOLLIB) $(LIBS_TOOLS)
