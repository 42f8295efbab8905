/* common/config.c: loads the collector configuration (see config.h for keys and
 * precedence) with libyaml's document API. Never exits or aborts: every problem is
 * returned as one message naming the file, line and key. */
#include "config.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define NOINSTR PSC_CFG_NOINSTR

NOINSTR void psc_config_defaults(psc_config *c)
{
    memset(c, 0, sizeof *c);
    c->enabled = -1;
    c->scale = NAN;
    c->expected_size = NAN;
    c->max_calls = PSC_DEFAULT_MAX_CALLS;
    c->max_depth = PSC_DEFAULT_MAX_DEPTH;
    c->flush_interval_ns = PSC_DEFAULT_FLUSH_NS;
    c->sample_interval_ns = PSC_DEFAULT_SAMPLE_NS;
}

NOINSTR static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

NOINSTR void psc_config_free(psc_config *c)
{
    free(c->output);
    free(c->label);
    free(c->source);
    free_list(c->include, c->n_include);
    free_list(c->exclude, c->n_exclude);
    psc_config_defaults(c);
}

NOINSTR char *psc_config_find(void)
{
    char dir[PATH_MAX];
    if (!getcwd(dir, sizeof dir))
        return NULL;
    for (;;) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/.pscope.yaml", strcmp(dir, "/") == 0 ? "" : dir);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            return strdup(path);
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) {
            if (strcmp(dir, "/") == 0)
                return NULL;
            strcpy(dir, "/");
            continue;
        }
        *slash = '\0';
    }
}

NOINSTR int psc_parse_duration(const char *s, uint64_t *ns)
{
    if (!s || !*s)
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0 || !isfinite(v))
        return -1;
    while (*end == ' ')
        end++;
    double mult = 1;
    if (*end == '\0' || strcmp(end, "ns") == 0)
        mult = 1;
    else if (strcmp(end, "us") == 0 || strcmp(end, "\xc2\xb5s") == 0)
        mult = 1e3;
    else if (strcmp(end, "ms") == 0)
        mult = 1e6;
    else if (strcmp(end, "s") == 0)
        mult = 1e9;
    else
        return -1;
    double r = v * mult;
    if (r > 1.8e19)
        return -1;
    *ns = (uint64_t)llround(r);
    return 0;
}

NOINSTR static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (!s || !*s)
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

NOINSTR static int parse_bool(const char *s, int *out)
{
    static const char *yes[] = {"true", "yes", "on", "1", "True", "TRUE", "Yes", "YES", "On"};
    static const char *no[] = {"false", "no", "off", "0", "False", "FALSE", "No", "NO", "Off"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (strcmp(s, yes[i]) == 0)
            return *out = 1, 0;
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (strcmp(s, no[i]) == 0)
            return *out = 0, 0;
    return -1;
}

NOINSTR static int list_add(char ***list, size_t *n, const char *s)
{
    char **grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown)
        return -1;
    *list = grown;
    if (!(grown[*n] = strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

NOINSTR static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Apply one scalar setting; key is known. Returns 0 or -1 (what = problem text). */
NOINSTR static int apply_scalar(psc_config *c, const char *key, const char *val, const char **what)
{
    int64_t iv;
    uint64_t dv;
    int bv;
    if (strcmp(key, "enabled") == 0) {
        if (parse_bool(val, &bv))
            return *what = "expected true or false", -1;
        c->enabled = bv;
    } else if (strcmp(key, "output") == 0) {
        if (!*val)
            return *what = "expected a path", -1;
        free(c->output);
        c->output = strdup(val);
    } else if (strcmp(key, "label") == 0) {
        free(c->label);
        c->label = strdup(val);
    } else if (strcmp(key, "scale") == 0) {
        char *end;
        errno = 0;
        double d = strtod(val, &end);
        if (errno || end == val || *end || !isfinite(d) || d < 0)
            return *what = "expected a non-negative number", -1;
        c->scale = d;
    } else if (strcmp(key, "expected_size") == 0) {
        char *end;
        errno = 0;
        double d = strtod(val, &end);
        if (errno || end == val || *end || !isfinite(d) || d <= 0)
            return *what = "expected a positive number", -1;
        c->expected_size = d;
    } else if (strcmp(key, "max_calls") == 0) {
        if (parse_int(val, 0, INT64_MAX, &iv))
            return *what = "expected a non-negative integer (0 = unlimited)", -1;
        c->max_calls = iv;
    } else if (strcmp(key, "max_depth") == 0) {
        if (parse_int(val, 1, 1 << 24, &iv))
            return *what = "expected an integer from 1 to 16777216", -1;
        c->max_depth = (uint32_t)iv;
    } else if (strcmp(key, "min_duration") == 0) {
        if (psc_parse_duration(val, &dv))
            return *what = "expected a duration such as 500, 10us, 2ms", -1;
        c->min_duration_ns = dv;
    } else if (strcmp(key, "flush_interval") == 0) {
        if (psc_parse_duration(val, &dv) || dv < 1000000 || dv > 60000000000ull)
            return *what = "expected a duration from 1ms to 60s", -1;
        c->flush_interval_ns = dv;
    } else if (strcmp(key, "sample_interval") == 0) {
        if (psc_parse_duration(val, &dv) || (dv != 0 && dv < 1000000))
            return *what = "expected 0 (off) or a duration of at least 1ms", -1;
        c->sample_interval_ns = dv;
    } else if (strcmp(key, "trace") == 0) {
        if (strcmp(val, "full") != 0 && strcmp(val, "off") != 0)
            return *what = "expected full or off", -1;
        c->trace_full = strcmp(val, "full") == 0;
    } else if (strcmp(key, "trace_max_bytes") == 0) {
        if (parse_int(val, 0, INT64_MAX, &iv))
            return *what = "expected a non-negative integer of bytes (0 = no cap)", -1;
        c->trace_max_bytes = (uint64_t)iv;
    } else if (strcmp(key, "include") == 0) {
        if (list_add(&c->include, &c->n_include, val))
            return *what = "out of memory", -1;
    } else if (strcmp(key, "exclude") == 0) {
        if (list_add(&c->exclude, &c->n_exclude, val))
            return *what = "out of memory", -1;
    } else {
        return *what = "unknown key", -2;
    }
    return 0;
}

NOINSTR static int is_known_key(const char *key)
{
    static const char *keys[] = {"enabled",   "output",       "label",          "scale",
                                 "max_calls", "max_depth",    "min_duration",   "flush_interval",
                                 "sample_interval", "include", "exclude",
                                 "expected_size", "trace", "trace_max_bytes"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strcmp(key, keys[i]) == 0)
            return 1;
    return 0;
}

NOINSTR int psc_config_load_buffer(psc_config *c, const char *name, const char *buf, size_t len,
                                   psc_config_warn_fn warn, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;
    if (!yaml_parser_initialize(&parser)) {
        set_err(err, errlen, "%s: cannot initialise the YAML parser", name);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        set_err(err, errlen, "%s:%lu: YAML error: %s", name,
                (unsigned long)(parser.problem_mark.line + 1),
                parser.problem ? parser.problem : "malformed document");
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) { /* empty file: nothing to change */
        rc = 0;
        goto out;
    }
    if (root->type != YAML_MAPPING_NODE) {
        set_err(err, errlen, "%s:%lu: expected a mapping of keys to values", name,
                (unsigned long)(root->start_mark.line + 1));
        goto out;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&doc, p->value);
        unsigned long line = (unsigned long)(k->start_mark.line + 1);
        if (k->type != YAML_SCALAR_NODE) {
            set_err(err, errlen, "%s:%lu: keys must be plain words", name, line);
            goto out;
        }
        const char *key = (const char *)k->data.scalar.value;
        for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *k2 = yaml_document_get_node(&doc, q->key);
            if (k2->type == YAML_SCALAR_NODE && strcmp((const char *)k2->data.scalar.value, key) == 0) {
                set_err(err, errlen, "%s:%lu: duplicate key '%s'", name, line, key);
                goto out;
            }
        }
        if (!is_known_key(key)) {
            if (warn) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s:%lu: unknown key '%.200s' ignored", name, line, key);
                warn(msg);
            }
            continue;
        }
        const char *what = NULL;
        int is_list_key = strcmp(key, "include") == 0 || strcmp(key, "exclude") == 0;
        if (v->type == YAML_SEQUENCE_NODE && is_list_key) {
            for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
                yaml_node_t *item = yaml_document_get_node(&doc, *it);
                if (item->type != YAML_SCALAR_NODE) {
                    set_err(err, errlen, "%s:%lu: %s: list items must be strings", name,
                            (unsigned long)(item->start_mark.line + 1), key);
                    goto out;
                }
                if (apply_scalar(c, key, (const char *)item->data.scalar.value, &what) != 0) {
                    set_err(err, errlen, "%s:%lu: %s: %s", name, line, key, what);
                    goto out;
                }
            }
            continue;
        }
        if (v->type != YAML_SCALAR_NODE) {
            set_err(err, errlen, "%s:%lu: %s: expected a single value%s", name, line, key,
                    is_list_key ? " or a list of strings" : "");
            goto out;
        }
        if (apply_scalar(c, key, (const char *)v->data.scalar.value, &what) != 0) {
            set_err(err, errlen, "%s:%lu: %s: %s (got '%.100s')", name, line, key, what,
                    (const char *)v->data.scalar.value);
            goto out;
        }
    }
    rc = 0;
out:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

NOINSTR int psc_config_load_file(psc_config *c, const char *path, psc_config_warn_fn warn,
                                 char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            if (cap >= (1u << 24)) {
                fclose(f);
                free(buf);
                set_err(err, errlen, "%s: larger than 16 MiB, not a config file", path);
                return -1;
            }
            char *grown = realloc(buf, cap *= 2);
            if (!grown) {
                free(buf);
                buf = NULL;
            }
            buf = grown;
        }
    }
    fclose(f);
    if (!buf) {
        set_err(err, errlen, "%s: out of memory", path);
        return -1;
    }
    char *before = c->output ? strdup(c->output) : NULL;
    int rc = psc_config_load_buffer(c, path, buf, len, warn, err, errlen);
    free(buf);
    if (rc == 0) {
        free(c->source);
        c->source = strdup(path);
        /* A relative `output` from the file is relative to the file's directory, so a
         * project's runs land in one place whatever directory a program starts in. */
        int changed = c->output && (!before || strcmp(before, c->output) != 0);
        const char *slash = strrchr(path, '/');
        if (changed && c->output[0] != '/' && slash) {
            size_t dirlen = (size_t)(slash - path);
            size_t n = dirlen + 1 + strlen(c->output) + 1;
            char *joined = malloc(n);
            if (joined) {
                snprintf(joined, n, "%.*s/%s", (int)dirlen, path, c->output);
                free(c->output);
                c->output = joined;
            }
        }
    }
    free(before);
    return rc;
}

NOINSTR int psc_config_apply_env(psc_config *c, char *err, size_t errlen)
{
    static const struct { const char *env, *key; } map[] = {
        {"PSCOPE_ENABLED", "enabled"},         {"PSCOPE_OUTPUT", "output"},
        {"PSCOPE_LABEL", "label"},             {"PSCOPE_SCALE", "scale"},
        {"PSCOPE_MAX_CALLS", "max_calls"},     {"PSCOPE_MIN_DURATION", "min_duration"},
        {"PSCOPE_MAX_DEPTH", "max_depth"},     {"PSCOPE_FLUSH_INTERVAL", "flush_interval"},
        {"PSCOPE_SAMPLE_INTERVAL", "sample_interval"},
        {"PSCOPE_INCLUDE", "include"},         {"PSCOPE_EXCLUDE", "exclude"},
        {"PSCOPE_TRACE", "trace"},             {"PSCOPE_TRACE_MAX_BYTES", "trace_max_bytes"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        const char *v = getenv(map[i].env);
        if (!v || !*v)
            continue;
        const char *what = NULL;
        if (apply_scalar(c, map[i].key, v, &what) != 0) {
            set_err(err, errlen, "%s: %s (got '%.100s')", map[i].env, what, v);
            return -1;
        }
    }
    return 0;
}

NOINSTR char *psc_config_to_json(const psc_config *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "max_calls", (double)c->max_calls);
    cJSON_AddNumberToObject(o, "min_duration_ns", (double)c->min_duration_ns);
    cJSON_AddNumberToObject(o, "max_depth", c->max_depth);
    cJSON_AddNumberToObject(o, "flush_interval_ns", (double)c->flush_interval_ns);
    cJSON_AddNumberToObject(o, "sample_interval_ns", (double)c->sample_interval_ns);
    cJSON_AddStringToObject(o, "trace", c->trace_full ? "full" : "off");
    cJSON_AddNumberToObject(o, "trace_max_bytes", (double)c->trace_max_bytes);
    cJSON *inc = cJSON_AddArrayToObject(o, "include");
    for (size_t i = 0; inc && i < c->n_include; i++)
        cJSON_AddItemToArray(inc, cJSON_CreateString(c->include[i]));
    cJSON *exc = cJSON_AddArrayToObject(o, "exclude");
    for (size_t i = 0; exc && i < c->n_exclude; i++)
        cJSON_AddItemToArray(exc, cJSON_CreateString(c->exclude[i]));
    if (c->source)
        cJSON_AddStringToObject(o, "config_file", c->source);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}
