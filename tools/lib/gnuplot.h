/* tools/lib/gnuplot.h: the project's one gnuplot runner and the one escaper for text that
 * enters gnuplot command text.
 *
 * A chart is built as a gnuplot script in a pt_gnuplot_script (a growable string), then
 * handed to pt_gnuplot_run, which runs `gnuplot` with execvp (never through a shell), writes
 * the script to its standard input and returns what gnuplot wrote to standard output (the
 * SVG, when the script set `set terminal svg` and left the output on stdout, as
 * pt_gnuplot_svg_prologue does).
 *
 * Safety rule: text that does not come from the program itself (function names, labels,
 * file names, titles) enters a script ONLY through pt_gnuplot_quote, which writes it as a
 * single-quoted gnuplot string ('' for a quote, control characters replaced), where gnuplot
 * performs no backquote command substitution, no @macro expansion and no escapes. Numbers go
 * in through pt_gnuplot_printf ("%.17g") or pt_gnuplot_datablock. Never pass foreign text as
 * a pt_gnuplot_printf format argument with %s.
 *
 * Ownership: a pt_gnuplot_script is zero-initialised by the caller ({0}) and released with
 * pt_gnuplot_script_free. Allocation failure exits (ptool's pt_x* functions).
 */
#ifndef PSCOPE_GNUPLOT_H
#define PSCOPE_GNUPLOT_H

#include <stddef.h>

#include "ptool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A growable NUL-terminated script text. Zero-initialise ({0}); `text` is NULL until
 * something is appended. */
typedef struct pt_gnuplot_script {
    char *text;
    size_t len, cap;
} pt_gnuplot_script;

/* Is gnuplot on PATH with version >= 5.0? Returns 1 and writes the version ("5.4.4") into
 * version[vlen], or 0 and writes a one-line reason into why[whylen] ("gnuplot not found on
 * PATH", "gnuplot 4.6 is older than 5.0", "gnuplot did not report its version: ...").
 * Either buffer may be NULL. The answer is cached per process for the current value of
 * PATH (a changed PATH is checked again). */
int pt_gnuplot_check(char *version, size_t vlen, char *why, size_t whylen);

/* Run `gnuplot` (found on PATH by execvp, no shell) with `script` on its standard input.
 * On success returns 0 and sets *out to a malloc'd NUL-terminated copy of its standard
 * output (caller frees) and *out_len to its length (NUL excluded). On failure returns -1,
 * *out is NULL, and err[errlen] holds one line: gnuplot's first line of standard error
 * when it exited non-zero or wrote an error, "gnuplot not found on PATH", "gnuplot timed
 * out after N ms" (it is killed, with any process it started, at timeout_ms; <= 0 means
 * 10000 ms), or the system error. gnuplot's standard error is treated as an error only
 * when the exit status is non-zero (warnings are ignored). SIGPIPE is ignored while the
 * script is written. */
int pt_gnuplot_run(const char *script, int timeout_ms, char **out, size_t *out_len,
                   char *err, size_t errlen);

/* Append printf-formatted command text. The format and any %s arguments must be text of
 * the program itself; foreign strings go through pt_gnuplot_quote. */
void pt_gnuplot_printf(pt_gnuplot_script *sc, const char *fmt, ...) PT_PRINTF(2, 3);

/* THE escaper: append `s` (NULL: empty) as a single-quoted gnuplot string. A ' becomes '';
 * newlines, tabs and other control characters (bytes < 0x20 and 0x7f) become a space;
 * everything else (UTF-8 included) is kept. Inside single quotes gnuplot does no backquote
 * substitution, no @macro expansion and no backslash escapes, so the result is always one
 * inert string literal. Use it with `noenhanced` text (pt_gnuplot_svg_prologue sets it) so
 * that ^, _, { and @ are also shown as written. */
void pt_gnuplot_quote(pt_gnuplot_script *sc, const char *s);

/* The same quoting into a new string (caller frees), for building single arguments. */
char *pt_gnuplot_quoted(const char *s);

/* Append the common SVG prologue: `set terminal svg size W,H dynamic noenhanced font
 * '<font>'` (font NULL: "Sans,10"), `set termoption noenhanced`, `set encoding utf8`, and
 * `set output` (standard output). */
void pt_gnuplot_svg_prologue(pt_gnuplot_script *sc, int width, int height, const char *font);

/* Append a datablock `name << EOD` with nrows rows of ncols numbers from v (row-major,
 * v[r * ncols + c]), "%.17g", NaN/infinity written as "NaN" (a missing point for gnuplot),
 * then "EOD". `name` must be a datablock name of the program ("$pts": '$' then letters,
 * digits, '_'); anything else is a programming error (assert); a newline is added first
 * when the script does not end with one. Numbers only: names of
 * points go into the script through pt_gnuplot_quote, or are referred to by index. */
void pt_gnuplot_datablock(pt_gnuplot_script *sc, const char *name, const double *v,
                          size_t nrows, size_t ncols);

/* Free the text; the script is zeroed and can be reused. */
void pt_gnuplot_script_free(pt_gnuplot_script *sc);

#ifdef __cplusplus
}
#endif
#endif /* PSCOPE_GNUPLOT_H */
