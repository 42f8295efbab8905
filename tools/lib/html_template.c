/* tools/lib/html_template.c: the report templates and their placeholder syntax.
 *
 * A template is a text file of templates/ (embedded into the binary at build time by
 * scripts/embed_templates.sh, or read from --template-dir). Two placeholders exist:
 *   {{key}}            the value the report gives for `key` (markup it has escaped)
 *   {{include:FILE}}   the text of template FILE, verbatim, placeholders and all (the
 *                      stylesheet, the script)
 * Keys are [a-z_]+; anything else between {{ and }} is an error, so a typo never silently
 * vanishes. Text outside placeholders is copied unchanged. Contract in html.h. */
#include "html.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pt_template_embedded(const char *name); /* build/gen/templates_embed.c */

/* The text of template `name` (caller frees) or NULL after a message. */
static char *template_text(const char *dir, const char *name)
{
    if (!dir) {
        const char *t = pt_template_embedded(name);
        if (!t)
            pt_error("template %s: not built into this program", name);
        return t ? pt_xstrdup(t) : NULL;
    }
    char *path = pt_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        pt_error("%s: cannot read template: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    pt_hbuf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pt_hb_putn(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        pt_error("%s: read error", path);
        free(path);
        pt_hb_free(&b);
        return NULL;
    }
    free(path);
    return pt_hb_take(&b);
}

static int expand(const char *dir, const char *name, const pt_tvar *vars, size_t nvars,
                  pt_hbuf *out, int depth)
{
    char *text = template_text(dir, name);
    if (!text)
        return PT_EXIT_USAGE;
    if (depth > 0) { /* an included file is copied verbatim */
        pt_hb_put(out, text);
        free(text);
        return 0;
    }
    const char *p = text;
    int line = 1, rc = 0;
    for (;;) {
        const char *open = strstr(p, "{{");
        const char *upto = open ? open : p + strlen(p);
        for (const char *q = p; q < upto; q++)
            line += *q == '\n';
        pt_hb_putn(out, p, (size_t)(upto - p));
        if (!open)
            break;
        const char *close = strstr(open + 2, "}}");
        if (!close || memchr(open, '\n', (size_t)(close - open))) {
            pt_error("template %s line %d: '{{' without '}}' on the same line", name, line);
            rc = PT_EXIT_USAGE;
            break;
        }
        size_t klen = (size_t)(close - open - 2);
        const char *key = open + 2;
        if (klen > 8 && strncmp(key, "include:", 8) == 0) {
            char *file = pt_xasprintf("%.*s", (int)(klen - 8), key + 8);
            if (depth > 0 || strchr(file, '/')) {
                pt_error("template %s line %d: include of '%s' not allowed (one level, a "
                         "file of the same directory)", name, line, file);
                rc = PT_EXIT_USAGE;
            } else {
                rc = expand(dir, file, NULL, 0, out, depth + 1);
            }
            free(file);
            if (rc)
                break;
        } else {
            size_t i;
            for (i = 0; i < nvars; i++)
                if (strlen(vars[i].key) == klen && strncmp(vars[i].key, key, klen) == 0)
                    break;
            if (i == nvars) {
                pt_error("template %s line %d: unknown placeholder {{%.*s}}", name, line,
                         (int)(klen > 60 ? 60 : klen), key);
                rc = PT_EXIT_USAGE;
                break;
            }
            pt_hb_put(out, vars[i].value ? vars[i].value : "");
        }
        p = close + 2;
    }
    free(text);
    return rc;
}

/* Contract in html.h. */
int pt_template_expand(const char *dir, const char *name, const pt_tvar *vars, size_t nvars,
                       pt_hbuf *out)
{
    return expand(dir, name, vars, nvars, out, 0);
}
