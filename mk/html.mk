# mk/html.mk: pscope-html's build rules — the report templates (templates/*) embedded into
# the tools library at build time, as sql/ is (scripts/embed_templates.sh), and the
# browser check (mk/browser.mk). Included by the Makefile.

TEMPLATE_FILES := $(sort $(wildcard templates/*))

$(B)/gen/templates_embed.c: scripts/embed_templates.sh $(TEMPLATE_FILES) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	scripts/embed_templates.sh $(TEMPLATE_FILES) > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/templates_embed.o: $(B)/gen/templates_embed.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -c $< -o $@

# The tools library carries the templates (its recipe archives all prerequisites).
$(TOOLLIB): $(B)/obj/gen/templates_embed.o
