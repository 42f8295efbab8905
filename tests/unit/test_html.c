/* tests/unit/test_html.c: the pure cores of pscope-html — the three escapers (HTML text,
 * attribute, JavaScript string) byte for byte on hostile input, invalid UTF-8 and control
 * characters; the template placeholder expansion (values, include, every error with its
 * exit code and message); the HTML table renderer of ptool tables (human text, data-v
 * machine values, marks, escaping). Synthetic input only; exact expected strings. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "html.h"

static char *esc(void (*f)(pt_hbuf *, const char *), const char *s)
{
    pt_hbuf b = {0};
    f(&b, s);
    return pt_hb_take(&b);
}

#define EXPECT_ESC(f, in, want)                                                         \
    do {                                                                                \
        char *got_ = esc(f, in);                                                        \
        if (strcmp(got_, want) != 0)                                                    \
            fprintf(stderr, "\n%s(%s): got [%s], want [%s]\n", #f, #in, got_, want);   \
        CU_ASSERT_STRING_EQUAL(got_, want);                                             \
        free(got_);                                                                     \
    } while (0)

static void test_text(void)
{
    EXPECT_ESC(pt_hb_text, "<script>alert(1)</script>\"&'", "&lt;script&gt;alert(1)&lt;/script&gt;\"&amp;'");
    EXPECT_ESC(pt_hb_text, "a\nb\tc", "a\nb\tc");
    EXPECT_ESC(pt_hb_text, "x\x01y\x7f", "x\xef\xbf\xbdy\xef\xbf\xbd");
    EXPECT_ESC(pt_hb_text, "f\xffo", "f\xef\xbf\xbdo");
    EXPECT_ESC(pt_hb_text, "caf\xc3\xa9 \xe2\x86\x92", "caf\xc3\xa9 \xe2\x86\x92");
    EXPECT_ESC(pt_hb_text, "", "");
}

static void test_attr(void)
{
    EXPECT_ESC(pt_hb_attr, "a\"b'c<d>&e", "a&quot;b&#39;c&lt;d&gt;&amp;e");
    EXPECT_ESC(pt_hb_attr, "l1\nl2\tx", "l1&#10;l2&#9;x");
    EXPECT_ESC(pt_hb_attr, "`$(id)`", "`$(id)`");
}

static void test_js(void)
{
    EXPECT_ESC(pt_hb_js, "</script><!--", "\\u003c/script\\u003e\\u003c!--");
    EXPECT_ESC(pt_hb_js, "q\"s'b\\", "q\\\"s\\u0027b\\\\");
    EXPECT_ESC(pt_hb_js, "n\nr\rt\x01", "n\\nr\\u000dt\\u0001");
    EXPECT_ESC(pt_hb_js, "ls\xe2\x80\xa8ps\xe2\x80\xa9", "ls\\u2028ps\\u2029");
    EXPECT_ESC(pt_hb_js, "bad\xc3(", "bad\\ufffd(");
    EXPECT_ESC(pt_hb_js, "&amp;", "\\u0026amp;");
}

static char tdir[64];

static void put_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static int expand_capture(const char *name, const pt_tvar *v, size_t n, char **out, char *err,
                          size_t errlen)
{
    fflush(stderr);
    FILE *saved = fdopen(dup(2), "w");
    FILE *cap = tmpfile();
    dup2(fileno(cap), 2);
    pt_hbuf b = {0};
    int rc = pt_template_expand(tdir, name, v, n, &b);
    fflush(stderr);
    dup2(fileno(saved), 2);
    fclose(saved);
    rewind(cap);
    size_t got = fread(err, 1, errlen - 1, cap);
    err[got] = '\0';
    fclose(cap);
    *out = pt_hb_take(&b);
    return rc;
}

static void test_template(void)
{
    snprintf(tdir, sizeof tdir, "/tmp/pscope-tpl.XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tdir));
    put_file("t.html", "<h1>{{title}}</h1>\n<style>{{include:s.css}}</style>{{body}}!\n");
    put_file("s.css", "a{{b}}c\n");
    pt_tvar v[] = {{"title", "T&amp;"}, {"body", "<p>x</p>"}};
    char *out, err[512];
    CU_ASSERT_EQUAL(expand_capture("t.html", v, 2, &out, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(out, "<h1>T&amp;</h1>\n<style>a{{b}}c\n</style><p>x</p>!\n");
    free(out);

    put_file("u.html", "ok\n{{nope}}\n");
    CU_ASSERT_EQUAL(expand_capture("u.html", v, 2, &out, err, sizeof err), PT_EXIT_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "template u.html line 2: unknown placeholder {{nope}}"));
    free(out);

    put_file("o.html", "a {{title\n}}\n");
    CU_ASSERT_EQUAL(expand_capture("o.html", v, 2, &out, err, sizeof err), PT_EXIT_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "template o.html line 1: '{{' without '}}'"));
    free(out);

    put_file("i.html", "{{include:../etc/passwd}}");
    CU_ASSERT_EQUAL(expand_capture("i.html", v, 2, &out, err, sizeof err), PT_EXIT_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "include of '../etc/passwd' not allowed"));
    free(out);

    CU_ASSERT_EQUAL(expand_capture("missing.html", v, 2, &out, err, sizeof err), PT_EXIT_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing.html: cannot read template"));
    free(out);

    /* the embedded page template has exactly the keys the reports give */
    pt_tvar all[] = {{"title", "t"}, {"body", "b"}, {"data", ""}, {"footer", "f"}};
    pt_hbuf b = {0};
    CU_ASSERT_EQUAL(pt_template_expand(NULL, "page.html", all, 4, &b), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(pt_hb_str(&b), "<title>t</title>"));
    CU_ASSERT_PTR_NULL(strstr(pt_hb_str(&b), "{{"));
    pt_hb_free(&b);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "%s", tdir);
    const char *names[] = {"t.html", "s.css", "u.html", "o.html", "i.html"};
    for (size_t i = 0; i < 5; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", tdir, names[i]);
        unlink(path);
    }
    rmdir(cmd);
}

static void test_table(void)
{
    pt_table *t = pt_table_new("x");
    int c_name = pt_table_add_col(t, "name", "name <n>", PT_COL_TEXT, PT_COL_HUMAN);
    int c_d = pt_table_add_col(t, "dur", "time", PT_COL_DUR, PT_COL_BOTH);
    int c_s = pt_table_add_col(t, "share", "%", PT_COL_SHARE, PT_COL_HUMAN);
    int c_m = pt_table_add_col(t, "machine", "m", PT_COL_INT, PT_COL_MACHINE);
    pt_table_add_row(t);
    pt_table_set_text(t, c_name, "<b>&\"");
    pt_table_set_real(t, c_d, 1500.0);
    pt_table_set_real(t, c_s, 0.125);
    pt_table_set_int(t, c_m, 7);
    pt_table_set_mark(t, PT_MARK_HOT, NULL);
    pt_table_add_row(t);
    pt_table_set_text(t, c_name, "z");
    pt_hbuf b = {0};
    pt_html_table(&b, t, "t\"1");
    CU_ASSERT_STRING_EQUAL(pt_hb_str(&b),
        "<div class=\"tablewrap\"><table class=\"data\" id=\"t&quot;1\">\n"
        "<thead><tr><th class=\"txt\">name &lt;n&gt;</th><th class=\"num\">time</th>"
        "<th class=\"num\">%</th></tr></thead>\n<tbody>\n"
        "<tr class=\"hot\"><td>&lt;b&gt;&amp;\"</td><td class=\"num\" data-v=\"1500\">1.50 µs</td>"
        "<td class=\"num\" data-v=\"0.125\">12.50%</td></tr>\n"
        "<tr><td>z</td><td class=\"num\" data-v=\"\">-</td><td class=\"num\" data-v=\"\">-</td></tr>\n"
        "</tbody></table></div>\n");
    pt_hb_free(&b);
    pt_table_free(t);
}

int main(void)
{
    pt_init("test_html");
    CU_initialize_registry();
    CU_pSuite s = CU_add_suite("html", NULL, NULL);
    CU_add_test(s, "HTML text escaper", test_text);
    CU_add_test(s, "attribute escaper", test_attr);
    CU_add_test(s, "JavaScript string escaper", test_js);
    CU_add_test(s, "template placeholders and errors", test_template);
    CU_add_test(s, "ptool table as HTML", test_table);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
