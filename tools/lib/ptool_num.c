/* tools/lib/ptool_num.c: number formatting and the statistics formulas of the tools:
 * human durations (ns/µs/ms/s), type-7 percentiles, Amdahl speedups.
 *
 * Invariant: this file depends on nothing but libc and libm, because the SQLite loadable
 * extension (tools/sqlext) links it; anything that needs SQLite, cJSON or the
 * diagnostics lives elsewhere. */
#include "ptool.h"

#include <math.h>
#include <stdio.h>

char *pt_fmt_dur(double ns, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    if (isnan(ns)) {
        snprintf(buf, size, "-");
        return buf;
    }
    double a = fabs(ns);
    if (a < 999.5 && ns == floor(ns)) {
        snprintf(buf, size, "%.0f ns", ns);
        return buf;
    }
    static const struct { double scale; const char *unit; } units[] = {
        {1.0, "ns"}, {1e3, "µs"}, {1e6, "ms"}, {1e9, "s"},
    };
    size_t u = 0;
    while (u + 1 < sizeof units / sizeof units[0] && a >= 999.5 * units[u].scale)
        u++;
    double v = ns / units[u].scale, av = fabs(v);
    int decimals = av < 9.995 ? 2 : av < 99.95 ? 1 : 0;
    snprintf(buf, size, "%.*f %s", decimals, v, units[u].unit);
    return buf;
}

char *pt_fmt_bytes(double bytes, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    if (isnan(bytes)) {
        snprintf(buf, size, "-");
        return buf;
    }
    double a = fabs(bytes);
    if (a < 1023.5) {
        snprintf(buf, size, "%.0f B", bytes);
        return buf;
    }
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    double scale = 1024.0;
    while (u + 1 < sizeof units / sizeof units[0] && a >= 1023.5 * scale) {
        u++;
        scale *= 1024.0;
    }
    double v = bytes / scale, av = fabs(v);
    int decimals = av < 9.995 ? 2 : av < 99.95 ? 1 : 0;
    snprintf(buf, size, "%.*f %s", decimals, v, units[u]);
    return buf;
}

double pt_percentile7(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return NAN;
    if (!(q > 0))
        q = 0;
    if (q > 1)
        q = 1;
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1)
        return sorted[n - 1];
    double frac = h - (double)lo;
    return sorted[lo] + (sorted[lo + 1] - sorted[lo]) * frac;
}

double pt_amdahl_max(double p)
{
    if (p >= 1)
        return INFINITY;
    return 1.0 / (1.0 - p);
}

double pt_amdahl(double p, double k)
{
    return 1.0 / ((1.0 - p) + p / k);
}
