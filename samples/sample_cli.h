/* samples/sample_cli.h: command-line helpers shared by the sample programs. Not
 * instrumented: argument parsing is no part of the workloads being profiled. */
#ifndef PSCOPE_SAMPLE_CLI_H
#define PSCOPE_SAMPLE_CLI_H

#include <errno.h>
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

#endif
