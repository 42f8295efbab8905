# mk/accuracy.mk: `make accuracy` runs every scripts/accuracy_*.sh (each measures one area
# and writes its docs/accuracy-<area>.md; docs/accuracy.md is the index). Not part of
# `make test`: the scripts take minutes and their figures depend on the machine.
.PHONY: accuracy
accuracy: all $(PROGS)
	@set -e; for s in $(sort $(wildcard scripts/accuracy_*.sh)); do \
	  echo "== $$s"; BUILD_DIR=$(B) $$s; done
