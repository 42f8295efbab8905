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

/* Rearrange v so that v[k] is the k-th smallest (0-based), everything before it <= v[k]
 * and everything after >= v[k] (Hoare partition, median-of-three pivot). */
static void select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three into v[mid] */
        if (v[mid] < v[lo]) { double t = v[mid]; v[mid] = v[lo]; v[lo] = t; }
        if (v[hi] < v[lo]) { double t = v[hi]; v[hi] = v[lo]; v[lo] = t; }
        if (v[hi] < v[mid]) { double t = v[hi]; v[hi] = v[mid]; v[mid] = t; }
        double pivot = v[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        /* now v[lo..j] <= pivot <= v[i..hi], and elements between j and i equal pivot */
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

double pt_percentile7_select(double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    if (!(q > 0))
        q = 0;
    if (q > 1)
        q = 1;
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1) {
        select_kth(v, n, n - 1);
        return v[n - 1];
    }
    select_kth(v, n, lo);
    /* the next order statistic is the smallest of what follows */
    double next = v[lo + 1];
    for (size_t i = lo + 2; i < n; i++)
        if (v[i] < next)
            next = v[i];
    double frac = h - (double)lo;
    return v[lo] + (next - v[lo]) * frac;
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
