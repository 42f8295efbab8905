/* tests/unit/test_hostile.c: hostile strings through the shared output library of the tools
 * (tools/lib/ptool_out.c) directly, without a database: every format is written with
 * pt_out to a file and read back with a real parser where C has one (cJSON for JSON, an
 * RFC 4180 reader below for CSV) and with byte-level invariants otherwise (table, md,
 * JUnit: no raw control bytes, valid UTF-8, metacharacters escaped, row structure kept).
 * tests/e2e/hostile_names.sh does the same end to end through the tools with python's
 * parsers; this test pins the library's contract and runs without python.
 *
 * Hostile strings: HTML/script, quotes, backslashes, newline, CR, tab, printf conversions,
 * a 10,000-character name, invalid UTF-8, control characters with an ANSI escape,
 * Markdown/XML metacharacters, valid multi-byte UTF-8, and the empty string.
 */
#include <CUnit/Basic.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptool.h"

#define NNAMES 15
static char long_name[10001];
static const char *names[NNAMES];
static char dir[] = "/tmp/pscope-hostile-XXXXXX";

static void init_names(void)
{
    for (int i = 0; i < 10000; i++)
        long_name[i] = (char)(i % 2 ? 'y' : 'x');
    long_name[10000] = '\0';
    const char *v[NNAMES] = {
        "<script>alert(1)</script>", "say \"hi\", then", "it's", "back\\slash\\",
        "new\nline", "cr\rlf", "tab\tx", "%s%n%x%p%%", long_name, "f\xffo\xc3(\xe2",
        "a|b*c_d`e[f]#g~h", "&amp; <!-- --> ]]>", "ctl\x01\x1b[31mred",
        "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5", "",
    };
    memcpy(names, v, sizeof v);
}

/* Length of a valid UTF-8 sequence at s, 0 if invalid (the same rule as ptool). */
static size_t seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, min = 0x10000;
    else
        return 0;
    cp = c & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    return cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : n;
}

/* The JSON form of a name: each invalid byte replaced by U+FFFD (caller frees). */
static char *json_form(const char *s)
{
    char *out = malloc(strlen(s) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = seq(p);
        if (n == 0) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        } else {
            memcpy(o, p, n);
            o += n;
            p += n;
        }
    }
    *o = '\0';
    return out;
}

static int valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = seq((const unsigned char *)s + i);
        if (n == 0 || i + n > len)
            return 0;
        i += n;
    }
    return 1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    *len = got;
    return buf;
}

/* Write the hostile table (and a hostile header and note) in `fmt` to a file; returns
 * its contents (caller frees) and length. */
static char *render(pt_format fmt, size_t *len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/out.%d", dir, (int)fmt);
    pt_out *o = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_out_open(path, fmt, &o), 0);
    pt_out_header(o, "header %s", names[0]);
    pt_table *t = pt_table_new("functions");
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int c_n = pt_table_add_col(t, "n", "n", PT_COL_INT, PT_COL_BOTH);
    for (int i = 0; i < NNAMES; i++) {
        pt_table_add_row(t);
        pt_table_set_text(t, c_name, names[i]);
        pt_table_set_int(t, c_n, i);
        if (i % 2)
            pt_table_set_mark(t, PT_MARK_BAD, names[i]);
    }
    CU_ASSERT_EQUAL(pt_out_table(o, t), 0);
    pt_out_note(o, "note %s", names[4]);
    pt_table_free(t);
    CU_ASSERT_EQUAL_FATAL(pt_out_close(o), 0);
    char *buf = slurp(path, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    unlink(path);
    return buf;
}

static void test_json(void)
{
    size_t len;
    char *buf = render(PT_FMT_JSON, &len);
    CU_ASSERT(valid_utf8(buf, len));
    cJSON *doc = cJSON_Parse(buf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(doc, "functions");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(rows), NNAMES);
    for (int i = 0; i < NNAMES && i < cJSON_GetArraySize(rows); i++) {
        cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, i), "name");
        char *want = json_form(names[i]);
        CU_ASSERT(cJSON_IsString(name) && strcmp(name->valuestring, want) == 0);
        free(want);
    }
    cJSON *notes = cJSON_GetObjectItemCaseSensitive(doc, "notes");
    CU_ASSERT(cJSON_GetArraySize(notes) == 1 &&
              strcmp(cJSON_GetArrayItem(notes, 0)->valuestring, "note new\nline") == 0);
    cJSON_Delete(doc);
    free(buf);
}

/* Parse one RFC 4180 record at *p (CRLF or LF ends it); fields into out[] (caller frees
 * each). Returns the field count, -1 on a syntax error. */
static int csv_record(const char **p, char **out, int max)
{
    const char *s = *p;
    int n = 0;
    for (;;) {
        size_t cap = strlen(s) + 1, k = 0;
        char *f = malloc(cap);
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s) {
                    free(f);
                    return -1;
                }
                if (*s == '"' && s[1] == '"') {
                    f[k++] = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    f[k++] = *s++;
                }
            }
        } else {
            while (*s && *s != ',' && *s != '\r' && *s != '\n') {
                if (*s == '"') {
                    free(f);
                    return -1;
                }
                f[k++] = *s++;
            }
        }
        f[k] = '\0';
        if (n < max)
            out[n] = f;
        else
            free(f);
        n++;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '\r')
            s++;
        if (*s == '\n')
            s++;
        else if (*s)
            return -1;
        *p = s;
        return n;
    }
}

static void test_csv(void)
{
    size_t len;
    char *buf = render(PT_FMT_CSV, &len);
    const char *p = buf;
    char *f[4];
    int n = csv_record(&p, f, 4);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(f[0], "name");
    free(f[0]);
    free(f[1]);
    for (int i = 0; i < NNAMES; i++) {
        n = csv_record(&p, f, 4);
        CU_ASSERT_EQUAL_FATAL(n, 2);
        CU_ASSERT(strcmp(f[0], names[i]) == 0); /* byte for byte, invalid UTF-8 included */
        CU_ASSERT_EQUAL(atoi(f[1]), i);
        free(f[0]);
        free(f[1]);
    }
    CU_ASSERT_EQUAL(*p, '\0');
    free(buf);
}

/* No byte < 0x20 but '\n', no DEL; valid UTF-8. */
static void check_human(const char *buf, size_t len)
{
    CU_ASSERT(valid_utf8(buf, len));
    int ctl = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)buf[i] < 0x20 && buf[i] != '\n') || buf[i] == 0x7f)
            ctl++;
    CU_ASSERT_EQUAL(ctl, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\\xff"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "%s%n%x%p%%"));
}

static void test_table(void)
{
    size_t len;
    char *buf = render(PT_FMT_TABLE, &len);
    check_human(buf, len);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "new\\nline"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<script>alert(1)</script>"));
    /* header + blank + column titles + one line per row + blank + note: a newline in a
     * header or note is data made visible, never a line break (no forged report lines) */
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    CU_ASSERT_EQUAL(lines, 1 + 1 + 1 + NNAMES + 1 + 1);
    free(buf);
}

/* Pipes of a Markdown line that separate cells (not escaped by a backslash). */
static int md_pipes(const char *line, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '\\') {
            i++;
            continue;
        }
        n += line[i] == '|';
    }
    return n;
}

static void test_md(void)
{
    size_t len;
    char *buf = render(PT_FMT_MD, &len);
    check_human(buf, len);
    CU_ASSERT_PTR_NULL(strstr(buf, "<script>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\\<script\\>"));
    int rows = 0, want = -1;
    for (const char *l = buf; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        if (n && l[0] == '|') {
            int k = md_pipes(l, n);
            if (want < 0)
                want = k;
            CU_ASSERT_EQUAL(k, want);
            rows++;
        }
        l += n + (e != NULL);
    }
    CU_ASSERT_EQUAL(want, 3);
    CU_ASSERT_EQUAL(rows, NNAMES + 2); /* titles, alignment row, the rows */
    free(buf);
}

static void test_junit(void)
{
    size_t len;
    char *buf = render(PT_FMT_JUNIT, &len);
    CU_ASSERT(valid_utf8(buf, len));
    int ctl = 0, cases = 0, failures = 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
            ctl++;
    CU_ASSERT_EQUAL(ctl, 0);
    for (const char *s = buf; (s = strstr(s, "<testcase ")); s++)
        cases++;
    for (const char *s = buf; (s = strstr(s, "<failure ")); s++)
        failures++;
    CU_ASSERT_EQUAL(cases, NNAMES);
    CU_ASSERT_EQUAL(failures, NNAMES / 2);
    CU_ASSERT_PTR_NULL(strstr(buf, "<script>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "name=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "name=\"say &quot;hi&quot;, then\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "name=\"new&#10;line\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "name=\"ctl\\x01\\x1b[31mred\""));
    /* every '<' starts markup, every '&' an entity */
    for (const char *s = buf; (s = strchr(s, '&')); s++)
        CU_ASSERT(strncmp(s, "&amp;", 5) == 0 || strncmp(s, "&lt;", 4) == 0 ||
                  strncmp(s, "&gt;", 4) == 0 || strncmp(s, "&quot;", 6) == 0 ||
                  strncmp(s, "&apos;", 6) == 0 || strncmp(s, "&#", 2) == 0);
    free(buf);
}

static void test_labels_and_filters(void)
{
    for (int i = 0; i < NNAMES; i++) {
        char *loc = pt_func_location(names[i], names[(i + 1) % NNAMES], i);
        char *lab = pt_func_label(names[i], names[(i + 2) % NNAMES], i);
        CU_ASSERT_PTR_NOT_NULL(loc);
        CU_ASSERT_PTR_NOT_NULL(lab);
        free(loc);
        free(lab);
        char *db = NULL, *run = NULL;
        pt_spec_split(names[i], &db, &run);
        CU_ASSERT_PTR_NOT_NULL(db);
        free(db);
        free(run);
    }
    pt_filter *f = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_filter_add(&f, "--filter", "%s%n", 0), 0);
    for (int i = 0; i < NNAMES; i++)
        CU_ASSERT_EQUAL(pt_filter_match(f, names[i], NULL, 0), i == 7);
    pt_filter_free(f);
    f = NULL;
    /* invalid UTF-8 is a barrier (PCRE2_MATCH_INVALID_UTF): valid parts still match */
    CU_ASSERT_EQUAL_FATAL(pt_filter_add(&f, "--filter", "^f", 0), 0);
    CU_ASSERT_EQUAL(pt_filter_match(f, names[9], NULL, 0), 1);
    pt_filter_free(f);
    f = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_filter_add(&f, "--filter", "\\($", 0), 0);
    CU_ASSERT_EQUAL(pt_filter_match(f, names[9], NULL, 0), 0); /* "(" is followed by \xe2 */
    CU_ASSERT_EQUAL(pt_filter_match(f, "x(", NULL, 0), 1);
    pt_filter_free(f);
}

int main(void)
{
    init_names();
    pt_init("test_hostile");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("hostile strings through pt_out", NULL, NULL);
    CU_add_test(s, "json: names and notes round-trip (invalid UTF-8 -> U+FFFD)", test_json);
    CU_add_test(s, "csv: RFC 4180, byte for byte", test_csv);
    CU_add_test(s, "table: one line per row, nothing raw", test_table);
    CU_add_test(s, "md: escaped, column count kept", test_md);
    CU_add_test(s, "junit: escaped attributes, failures", test_junit);
    CU_add_test(s, "labels, locations, DB:RUN, filters", test_labels_and_filters);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    rmdir(dir);
    return failed ? 1 : 0;
}
