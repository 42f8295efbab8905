# mk/trace.mk: the full-trace store (issue 16; docs/schema.md "Trace blocks").
#
# common/traceblk.c (trace block codec) needs libzstd (column compression) and zlib
# (CRC-32), so everything that links the common objects links them too: the collector,
# the tools, the unit tests, the SQLite extension and the fuzz programs.

LIBS_TRACE   := -lzstd -lz
LIBS_COLLECT += $(LIBS_TRACE)
LIBS_TOOLS   += $(LIBS_TRACE)
