/* samples/sample_cli.h: command-line helpers shared by the sample programs. Not
 * instrumented: argument parsing is no part of the workloads being profiled. */
#ifndef PSCOPE_SAMPLE_CLI_H
#define PSCOPE_SAMPLE_CLI_H

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "pscope.h"

/* Parse a whole decimal integer in [min, max] (no sign, no trailing text) into *out.
 * Returns 0, or -1 (and leaves *out alone) on anything else. */
PSCOPE_NOINSTR static inline int parse_count(const char *text, unsigned long min,
                                             unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    if (text[0] == '-' || text[0] == '+')
        return -1;
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

/* Report the option getopt_long just rejected ("PROG: unknown option ..."). */
PSCOPE_NOINSTR static inline void sample_unknown_option(const char *prog, char **argv)
{
    if (optopt != 0)
        fprintf(stderr, "%s: unknown option '-%c'; try --help\n", prog, optopt);
    else
        fprintf(stderr, "%s: unknown option '%s'; try --help\n", prog, argv[optind - 1]);
}

/* The optional positional N after the options (argv[optind]), in [min, max]: *n is left
 * at its default when absent. Returns 0, or 2 (the usage exit status) after one line on
 * stderr for extra arguments or a bad N. */
PSCOPE_NOINSTR static inline int sample_positional_n(const char *prog, int argc, char **argv,
                                                     unsigned long min, unsigned long max,
                                                     unsigned long *n)
{
    if (argc - optind > 1) {
        fprintf(stderr, "%s: too many arguments ('%s'); try --help\n", prog, argv[optind + 1]);
        return 2;
    }
    if (argc - optind == 1 && parse_count(argv[optind], min, max, n) != 0) {
        fprintf(stderr, "%s: bad N '%s' (expected an integer in %lu..%lu)\n", prog, argv[optind],
                min, max);
        return 2;
    }
    return 0;
}

#endif
