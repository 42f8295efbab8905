/* samples/sensor_pipeline.c: a sensor-data pipeline with a deliberate O(n*w) hotspot.
 *
 * Usage: sensor_pipeline [N] [--window W] [--incremental] [--slow STEP=FACTOR]... [--help]
 *   N       readings per sensor, 1..2000000, default 20000 (5 sensors: 5*N readings).
 *   W       rolling-window length, 1..65536, default 64.
 *   --incremental  compute the window features from running sums (O(LAGS) per record)
 *           instead of recomputing them over the whole window (O(W * LAGS) per record).
 *   --slow STEP=FACTOR  make one step's function do FACTOR times its normal work (FACTOR in
 *           1..4; STEP is generate, filter, normalize or features, or that step's function
 *           name). Repeatable. The printed result does not change: the extra work is more
 *           of the step's own arithmetic, kept out of the result. For regression tests:
 *           --slow normalize=1.10 makes normalize_reading's own time about 10% longer on
 *           every call (its kernel measured by thread CPU time, median of 31 runs: 1.10
 *           gives +9%, 1.03 gives +2%, 2.0 gives +120%; instruction count: +9% at 1.10).
 * Prints one line: n, window, mode, readings, kept, and the averages over all kept records
 * of the window features. Output is deterministic (fixed-seed generator), identical for
 * any --slow, and the same in both modes to the printed precision. Bad arguments: one
 * line on stderr, exit 2; out of memory: exit 1.
 *
 * Steps, each a stage (pscope_stage_*) with records in/out and one record mark per record,
 * and each record handled by its own noinline function so profiles separate them:
 *   generate  (generate_all -> generate_reading, 5N calls): value = sensor baseline + slow
 *             sinusoidal drift + AR(1) Gaussian noise; the innovations come from 4
 *             Box-Muller pairs over a fixed-seed xorshift64 generator (the generator helper
 *             is not instrumented, so its time is generate_reading's own).
 *             records 5N in, 5N out; counter "readings_generated" += 5N.
 *   filter    (filter_all -> filter_reading, 5N calls; PSCOPE_STAGE block): keeps readings
 *             in [20, 80]. records 5N in, kept out; counter "readings_dropped" gets one
 *             add per sensor (5 adds).
 *   normalize (normalize_all -> normalize_reading, kept calls): linearizes each reading
 *             through its sensor's calibration curve, a 32-term Chebyshev series evaluated
 *             by Clenshaw's recurrence, and maps it to about [0, 1]. records kept in/out.
 *   features  (features_all -> window_features, or window_features_incremental with
 *             --incremental; kept calls): per sensor, pushes the value into a ring of the
 *             last W values and computes the window's mean, variance, skewness, kurtosis
 *             and autocorrelation at lags 1..16. The default recomputes all of it over the
 *             whole window for every record: the hotspot (about 2/3 of the run time at the
 *             defaults). records kept in/out.
 * Other instrumented calls: main, run_pipeline, init_calibration and the four *_all stage
 * drivers, 1 call each. Command-line handling is not instrumented, so runs with and
 * without options (--slow included) profile the same set of functions. The run's scale
 * is N (pscope_set_scale).
 *
 * Default run (N = 20000, W = 64): 100000 readings, 95201 kept; about 0.2 s unprofiled
 * (0.1 s with --incremental).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pscope.h"
#include "sample_cli.h"

#define SENSOR_COUNT 5
#define DEFAULT_N 20000ul
#define MAX_N 2000000ul
#define DEFAULT_WINDOW 64ul
#define MAX_WINDOW 65536ul
#define NOISE_PAIRS 4u /* Box-Muller pairs per reading: 8 raw samples averaged */
#define THRESHOLD_LOW 20.0
#define THRESHOLD_HIGH 80.0
#define CAL_TERMS 32u
#define MAX_SLOW_FACTOR 4.0
#define CAL_TERMS_MAX (CAL_TERMS * 4u) /* room for CAL_TERMS * MAX_SLOW_FACTOR terms */
#define MOMENT_ANCHOR 0.5              /* power sums are taken about this point */
#define AUTOCORR_LAGS 16u              /* window autocorrelation at lags 1..16 */
#define MIN_VARIANCE 1e-6              /* below it, skewness, kurtosis and autocorrelation are 0 */
#define GENERATOR_SEED 0x9E3779B97F4A7C15ull
#define BALLAST_SEED 0xD1B54A32D192ED03ull
#define PI 3.14159265358979323846

/* A simulated sensor: readings are baseline + drift_amplitude * sin(2 pi t / drift_period)
 * plus AR(1) Gaussian noise of standard deviation noise_sd whose lag-1 correlation is
 * noise_memory (so the window autocorrelation features have something to find). */
struct sensor_spec {
    const char *name;
    double baseline;
    double noise_sd;
    double noise_memory;
    double drift_amplitude;
    double drift_period;
};

static const struct sensor_spec sensors[SENSOR_COUNT] = {
    { "temperature", 50.0, 10.0, 0.9, 8.0, 2000.0 },
    { "pressure", 45.0, 12.0, 0.7, 5.0, 3500.0 },
    { "humidity", 55.0, 14.0, 0.8, 10.0, 5000.0 },
    { "vibration", 50.0, 18.0, 0.2, 3.0, 700.0 },
    { "current", 60.0, 11.0, 0.5, 6.0, 1200.0 },
};

struct reading {
    double value;
    uint32_t sensor; /* index into sensors[] */
    uint32_t seq;    /* 0..N-1 within its sensor */
};

/* The window features of one record: the first four moments and the autocorrelation
 * r_k = sum_j d_j d_{j+k} / sum_j d_j^2 (d = value - window mean) for lags k = 1..LAGS. */
struct features {
    double mean;
    double variance;
    double skewness;
    double kurtosis;
    double autocorrelation[AUTOCORR_LAGS + 1]; /* index 0 unused */
};

/* Ring of a sensor's last `capacity` normalized values, in time order from logical
 * position 0 (oldest) to fill - 1 (newest). The incremental mode also keeps, for
 * y = value - MOMENT_ANCHOR, the power sums of y, y^2, y^3, y^4 and the lagged product
 * sums lag_sum[k] = sum_j y_j y_{j+k}. */
struct window {
    double *values;
    double *scratch;                 /* recompute mode: the window in time order */
    uint32_t capacity;
    uint32_t fill;                   /* values held, <= capacity */
    uint32_t next;                   /* slot the next value goes to */
    uint32_t pushes_since_resum;     /* incremental mode: re-sum from scratch every capacity */
    double power_sum[4];
    double lag_sum[AUTOCORR_LAGS + 1];
};

enum step { STEP_GENERATE, STEP_FILTER, STEP_NORMALIZE, STEP_FEATURES, STEP_COUNT };

static const char *const step_names[STEP_COUNT] = { "generate", "filter", "normalize",
                                                    "features" };
static const char *const step_functions[STEP_COUNT][2] = {
    { "generate_reading", NULL },
    { "filter_reading", NULL },
    { "normalize_reading", NULL },
    { "window_features", "window_features_incremental" },
};

/* Slowdown of one step: factor 1 is normal. `credit` carries the fractional part of the
 * extra work from call to call, so the total extra work is exactly (factor - 1) times the
 * normal work, spread deterministically over the calls. */
struct slowdown {
    double factor;
    double credit;
};

struct options {
    unsigned long n;
    unsigned long window;
    bool incremental;
    struct slowdown slow[STEP_COUNT];
};

struct pipeline_result {
    size_t readings;
    size_t kept;
    struct features feature_sum; /* sums over kept records; divided by kept when printed */
};

static struct slowdown step_slowdown[STEP_COUNT];
static volatile double slowdown_sink; /* receives the extra work so it is not removed */
static uint64_t ballast_state = BALLAST_SEED;
/* Chebyshev calibration coefficients per sensor, zero beyond CAL_TERMS. */
static double calibration[SENSOR_COUNT][CAL_TERMS_MAX];

/* xorshift64 step; a uniform double in (0, 1]. Not instrumented: it is called 8 times per
 * reading and belongs to generate_reading's own work. */
PSCOPE_NOINSTR static double uniform_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (double)((x >> 11) + 1) * 0x1.0p-53;
}

/* Extra work units for one call of `step` whose normal work is base_units units.
 * Not instrumented: its time is the slowed function's own. */
PSCOPE_NOINSTR static unsigned slowdown_extra_units(enum step step, unsigned base_units)
{
    struct slowdown *slow = &step_slowdown[step];
    if (slow->factor == 1.0)
        return 0;
    slow->credit += (slow->factor - 1.0) * base_units;
    unsigned extra = (unsigned)slow->credit;
    slow->credit -= extra;
    return extra;
}

/* One reading of sensor `spec` at time seq. Draws 2 * NOISE_PAIRS numbers from *rng;
 * *noise is the sensor's AR(1) noise state, updated. */
__attribute__((noinline)) static double generate_reading(uint64_t *rng,
                                                         const struct sensor_spec *spec,
                                                         uint32_t seq, double *noise)
{
    double gauss_sum = 0.0;
    for (unsigned pair = 0; pair < NOISE_PAIRS; pair++) {
        double radius = sqrt(-2.0 * log(uniform_next(rng)));
        double angle = 2.0 * PI * uniform_next(rng);
        gauss_sum += radius * cos(angle) + radius * sin(angle);
    }
    unsigned extra = slowdown_extra_units(STEP_GENERATE, NOISE_PAIRS);
    if (extra > 0) {
        double ballast = 0.0;
        for (unsigned pair = 0; pair < extra; pair++) {
            double radius = sqrt(-2.0 * log(uniform_next(&ballast_state)));
            double angle = 2.0 * PI * uniform_next(&ballast_state);
            ballast += radius * cos(angle) + radius * sin(angle);
        }
        slowdown_sink = ballast;
    }
    /* The sum of 2P standard normals has standard deviation sqrt(2P). */
    double innovation = gauss_sum / sqrt(2.0 * NOISE_PAIRS);
    double phi = spec->noise_memory;
    *noise = phi * *noise + sqrt(1.0 - phi * phi) * innovation;
    double drift = spec->drift_amplitude * sin(2.0 * PI * seq / spec->drift_period);
    return spec->baseline + drift + spec->noise_sd * *noise;
}

/* True when the reading lies within the plausible range [THRESHOLD_LOW, THRESHOLD_HIGH]. */
__attribute__((noinline)) static bool filter_reading(double value)
{
    bool keep = value >= THRESHOLD_LOW && value <= THRESHOLD_HIGH;
    unsigned extra = slowdown_extra_units(STEP_FILTER, 1);
    if (extra > 0) {
        double ballast = 0.0;
        for (unsigned k = 0; k < extra; k++)
            ballast += (value + k >= THRESHOLD_LOW && value + k <= THRESHOLD_HIGH) ? 1.0 : 0.0;
        slowdown_sink = ballast;
    }
    return keep;
}

/* Calibrated value of `raw` (in [20, 80]) mapped to about [0, 1]: Clenshaw's recurrence
 * over the sensor's Chebyshev coefficients. When slowed, the recurrence runs over extra
 * terms whose coefficients are zero, which leaves the result bit-identical. */
__attribute__((noinline)) static double normalize_reading(double raw, const double *coefficients)
{
    unsigned terms = CAL_TERMS + slowdown_extra_units(STEP_NORMALIZE, CAL_TERMS);
    if (terms > CAL_TERMS_MAX)
        terms = CAL_TERMS_MAX;
    double u = (raw - 50.0) / 30.0; /* [20, 80] -> [-1, 1] */
    double b1 = 0.0, b2 = 0.0;
    for (unsigned k = terms - 1; k >= 1; k--) {
        double b0 = coefficients[k] + 2.0 * u * b1 - b2;
        b2 = b1;
        b1 = b0;
    }
    double calibrated = coefficients[0] + u * b1 - b2;
    return (calibrated + 1.0) / 2.0;
}

/* Features from the window's population central moments m2, m3, m4 and its lagged
 * central product sums lag[k] (k = 1..LAGS, 0 for k >= fill). */
PSCOPE_NOINSTR static struct features features_from_moments(uint32_t fill, double mean,
                                                            double m2, double m3, double m4,
                                                            const double *lag)
{
    struct features f = { .mean = mean, .variance = m2 > 0.0 ? m2 : 0.0 };
    if (f.variance > MIN_VARIANCE) {
        f.skewness = m3 / (f.variance * sqrt(f.variance));
        f.kurtosis = m4 / (f.variance * f.variance);
        for (unsigned k = 1; k <= AUTOCORR_LAGS; k++)
            f.autocorrelation[k] = lag[k] / (fill * f.variance);
    }
    return f;
}

/* Stores value in the ring. Not instrumented: part of each features function's own work. */
PSCOPE_NOINSTR static void window_push(struct window *win, double value)
{
    if (win->fill < win->capacity)
        win->fill++;
    win->values[win->next] = value;
    win->next = win->next + 1 == win->capacity ? 0 : win->next + 1;
}

/* The value at logical position j (0 = oldest) of the window. */
PSCOPE_NOINSTR static double window_at(const struct window *win, uint32_t j)
{
    uint32_t oldest = win->fill == win->capacity ? win->next : 0;
    uint32_t slot = oldest + j;
    return win->values[slot >= win->capacity ? slot - win->capacity : slot];
}

/* Pushes value and recomputes every feature over the whole window: one pass for the mean,
 * one for the central moments, one for the lagged products. O(W * LAGS) per record. */
__attribute__((noinline)) static struct features window_features(struct window *win, double value)
{
    window_push(win, value);
    const uint32_t fill = win->fill;
    double *d = win->scratch;
    for (uint32_t j = 0; j < fill; j++)
        d[j] = window_at(win, j);
    double sum = 0.0;
    for (uint32_t j = 0; j < fill; j++)
        sum += d[j];
    const double mean = sum / fill;
    double s2 = 0.0, s3 = 0.0, s4 = 0.0;
    for (uint32_t j = 0; j < fill; j++) {
        d[j] -= mean;
        double d2 = d[j] * d[j];
        s2 += d2;
        s3 += d2 * d[j];
        s4 += d2 * d2;
    }
    double lag[AUTOCORR_LAGS + 1] = { 0.0 };
    for (uint32_t j = 0; j < fill; j++) {
        for (uint32_t k = 1; k <= AUTOCORR_LAGS && j + k < fill; k++)
            lag[k] += d[j] * d[j + k];
    }
    /* One unit of normal work is one window element through all three passes. */
    unsigned extra = slowdown_extra_units(STEP_FEATURES, fill);
    if (extra > 0) {
        double b1 = 0.0, b2 = 0.0, b3 = 0.0, b4 = 0.0, blag[AUTOCORR_LAGS + 1] = { 0.0 };
        for (unsigned u = 0, j = 0; u < extra; u++, j = j + 1 == fill ? 0 : j + 1) {
            b1 += d[j];
            double d2 = d[j] * d[j];
            b2 += d2;
            b3 += d2 * d[j];
            b4 += d2 * d2;
            for (uint32_t k = 1; k <= AUTOCORR_LAGS && j + k < fill; k++)
                blag[k] += d[j] * d[j + k];
        }
        slowdown_sink = b1 + b2 + b3 + b4 + blag[1];
    }
    return features_from_moments(fill, mean, s2 / fill, s3 / fill, s4 / fill, lag);
}

/* Adds sign * (y, y^2, y^3, y^4) to power_sum and sign * y * y_{j+k} (the window's value
 * at logical position j + k, minus the anchor) to lag_sum[k], for position j of win and
 * the lags that stay inside the window. Not instrumented: the features' own work. */
PSCOPE_NOINSTR static void add_element(double *power_sum, double *lag_sum,
                                       const struct window *win, uint32_t j, double sign)
{
    double y = window_at(win, j) - MOMENT_ANCHOR;
    double y2 = y * y;
    power_sum[0] += sign * y;
    power_sum[1] += sign * y2;
    power_sum[2] += sign * y2 * y;
    power_sum[3] += sign * y2 * y2;
    for (uint32_t k = 1; k <= AUTOCORR_LAGS && j + k < win->fill; k++)
        lag_sum[k] += sign * y * (window_at(win, j + k) - MOMENT_ANCHOR);
}

/* Pushes value and updates the features from running sums: O(LAGS) per record. Removing
 * the oldest value subtracts its powers and its products with the next LAGS values;
 * adding the newest adds its powers and its products with the LAGS values before it. The
 * sums are rebuilt from the ring every `capacity` pushes so rounding cannot drift. */
__attribute__((noinline)) static struct features window_features_incremental(struct window *win,
                                                                             double value)
{
    if (win->fill == win->capacity)
        add_element(win->power_sum, win->lag_sum, win, 0, -1.0);
    window_push(win, value);
    const uint32_t fill = win->fill;
    if (++win->pushes_since_resum >= win->capacity) {
        memset(win->power_sum, 0, sizeof win->power_sum);
        memset(win->lag_sum, 0, sizeof win->lag_sum);
        for (uint32_t j = 0; j < fill; j++)
            add_element(win->power_sum, win->lag_sum, win, j, 1.0);
        win->pushes_since_resum = 0;
    } else {
        double y = value - MOMENT_ANCHOR, y2 = y * y;
        win->power_sum[0] += y;
        win->power_sum[1] += y2;
        win->power_sum[2] += y2 * y;
        win->power_sum[3] += y2 * y2;
        for (uint32_t k = 1; k <= AUTOCORR_LAGS && k < fill; k++)
            win->lag_sum[k] += y * (window_at(win, fill - 1 - k) - MOMENT_ANCHOR);
    }
    /* Normal work in element units: one removed, one added, one amortized re-sum element,
     * one for the edge sums below. */
    unsigned extra = slowdown_extra_units(STEP_FEATURES, 4);
    if (extra > 0) {
        double ballast_power[4] = { 0.0 }, ballast_lag[AUTOCORR_LAGS + 1] = { 0.0 };
        for (unsigned u = 0, j = 0; u < extra; u++, j = j + 1 == fill ? 0 : j + 1)
            add_element(ballast_power, ballast_lag, win, j, 1.0);
        slowdown_sink = ballast_power[1] + ballast_lag[1];
    }
    const double n = fill;
    const double s1 = win->power_sum[0];
    double r1 = s1 / n, r2 = win->power_sum[1] / n;
    double r3 = win->power_sum[2] / n, r4 = win->power_sum[3] / n;
    double m2 = r2 - r1 * r1;
    double m3 = r3 - 3.0 * r1 * r2 + 2.0 * r1 * r1 * r1;
    double m4 = r4 - 4.0 * r1 * r3 + 6.0 * r1 * r1 * r2 - 3.0 * r1 * r1 * r1 * r1;
    /* Central lagged sums: sum_{j<fill-k} (y_j - r1)(y_{j+k} - r1)
     *   = lag_sum[k] - r1 * (head_k + tail_k) + (fill - k) r1^2, where head_k sums
     *   y_0..y_{fill-1-k} and tail_k sums y_k..y_{fill-1}. */
    double lag[AUTOCORR_LAGS + 1] = { 0.0 };
    double first_k = 0.0, last_k = 0.0; /* sums of the first / last k values of y */
    for (uint32_t k = 1; k <= AUTOCORR_LAGS && k < fill; k++) {
        first_k += window_at(win, k - 1) - MOMENT_ANCHOR;
        last_k += window_at(win, fill - k) - MOMENT_ANCHOR;
        double head = s1 - last_k, tail = s1 - first_k;
        lag[k] = win->lag_sum[k] - r1 * (head + tail) + (n - k) * r1 * r1;
    }
    return features_from_moments(fill, MOMENT_ANCHOR + r1, m2, m3, m4, lag);
}

/* Fills the calibration table: c1 = 1 (identity) plus small sensor-specific curvature
 * terms c_k = g (-1)^k / k^3 for 2 <= k < CAL_TERMS, which keep the curve monotonic. */
__attribute__((noinline)) static void init_calibration(void)
{
    for (unsigned s = 0; s < SENSOR_COUNT; s++) {
        double gain = 0.02 + 0.01 * s;
        calibration[s][0] = 0.0;
        calibration[s][1] = 1.0;
        for (unsigned k = 2; k < CAL_TERMS; k++)
            calibration[s][k] = gain * ((k % 2) ? -1.0 : 1.0) / ((double)k * k * k);
        for (unsigned k = CAL_TERMS; k < CAL_TERMS_MAX; k++)
            calibration[s][k] = 0.0;
    }
}

/* Stage "generate": n readings per sensor, interleaved by time, into out[5n]. */
__attribute__((noinline)) static void generate_all(struct reading *out, unsigned long n)
{
    pscope_stage *stage = pscope_stage_begin("generate");
    uint64_t rng = GENERATOR_SEED;
    double noise[SENSOR_COUNT] = { 0.0 };
    size_t count = 0;
    for (uint32_t seq = 0; seq < n; seq++) {
        for (uint32_t s = 0; s < SENSOR_COUNT; s++) {
            out[count].value = generate_reading(&rng, &sensors[s], seq, &noise[s]);
            out[count].sensor = s;
            out[count].seq = seq;
            count++;
            pscope_stage_record(stage);
        }
    }
    pscope_stage_records(stage, count, count);
    pscope_counter_add("readings_generated", (double)count);
    pscope_stage_end(stage);
}

/* Stage "filter": copies the readings that pass filter_reading to kept; returns how many. */
__attribute__((noinline)) static size_t filter_all(const struct reading *in, size_t count,
                                                   struct reading *kept)
{
    size_t kept_count = 0;
    size_t dropped[SENSOR_COUNT] = { 0 };
    PSCOPE_STAGE("filter")
    {
        pscope_stage *stage = pscope_stage_current();
        for (size_t i = 0; i < count; i++) {
            if (filter_reading(in[i].value))
                kept[kept_count++] = in[i];
            else
                dropped[in[i].sensor]++;
            pscope_stage_record(stage);
        }
        pscope_stage_records(stage, count, kept_count);
        for (unsigned s = 0; s < SENSOR_COUNT; s++)
            pscope_counter_add("readings_dropped", (double)dropped[s]);
    }
    return kept_count;
}

/* Stage "normalize": replaces each kept value by its calibrated value in [0, 1]. */
__attribute__((noinline)) static void normalize_all(struct reading *kept, size_t count)
{
    pscope_stage *stage = pscope_stage_begin("normalize");
    for (size_t i = 0; i < count; i++) {
        kept[i].value = normalize_reading(kept[i].value, calibration[kept[i].sensor]);
        pscope_stage_record(stage);
    }
    pscope_stage_records(stage, count, count);
    pscope_stage_end(stage);
}

/* Stage "features": window features per record, summed into *sum. Returns 0, or -1 when
 * the windows cannot be allocated. */
__attribute__((noinline)) static int features_all(const struct reading *kept, size_t count,
                                                  uint32_t window_length, bool incremental,
                                                  struct features *sum)
{
    struct window windows[SENSOR_COUNT];
    memset(windows, 0, sizeof windows);
    int rc = 0;
    for (unsigned s = 0; s < SENSOR_COUNT; s++) {
        windows[s].values = calloc(window_length, sizeof(double));
        windows[s].scratch = calloc(window_length, sizeof(double));
        windows[s].capacity = window_length;
        if (windows[s].values == NULL || windows[s].scratch == NULL)
            rc = -1;
    }
    if (rc != 0)
        goto out;
    pscope_stage *stage = pscope_stage_begin("features");
    for (size_t i = 0; i < count; i++) {
        struct window *win = &windows[kept[i].sensor];
        struct features f = incremental ? window_features_incremental(win, kept[i].value)
                                        : window_features(win, kept[i].value);
        sum->mean += f.mean;
        sum->variance += f.variance;
        sum->skewness += f.skewness;
        sum->kurtosis += f.kurtosis;
        for (unsigned k = 1; k <= AUTOCORR_LAGS; k++)
            sum->autocorrelation[k] += f.autocorrelation[k];
        pscope_stage_record(stage);
    }
    pscope_stage_records(stage, count, count);
    pscope_stage_end(stage);
out:
    for (unsigned s = 0; s < SENSOR_COUNT; s++) {
        free(windows[s].values);
        free(windows[s].scratch);
    }
    return rc;
}

/* Runs the four stages. Returns 0, or -1 when memory runs out (message printed). */
__attribute__((noinline)) static int run_pipeline(const struct options *opt,
                                                  struct pipeline_result *result)
{
    size_t readings = (size_t)opt->n * SENSOR_COUNT;
    struct reading *generated = malloc(readings * sizeof *generated);
    struct reading *kept = malloc(readings * sizeof *kept);
    int rc = -1;
    if (generated == NULL || kept == NULL)
        goto out;
    init_calibration();
    generate_all(generated, opt->n);
    size_t kept_count = filter_all(generated, readings, kept);
    normalize_all(kept, kept_count);
    memset(result, 0, sizeof *result);
    result->readings = readings;
    result->kept = kept_count;
    rc = features_all(kept, kept_count, (uint32_t)opt->window, opt->incremental,
                      &result->feature_sum);
out:
    if (rc != 0)
        fprintf(stderr, "sensor_pipeline: out of memory for %zu readings\n", readings);
    free(generated);
    free(kept);
    return rc;
}

/* Prints the --help text. Command-line handling is not instrumented: it is no part of
 * the workload being profiled. */
PSCOPE_NOINSTR static void print_usage(FILE *to)
{
    fprintf(to,
            "usage: sensor_pipeline [N] [--window W] [--incremental] [--slow STEP=FACTOR]...\n"
            "  N                  readings per sensor (5 sensors), 1..%lu, default %lu\n"
            "  -w, --window W     rolling-window length, 1..%lu, default %lu\n"
            "  -i, --incremental  window features from running sums (O(1) in W per\n"
            "                     record) instead of recomputing over the window (O(W))\n"
            "  -s, --slow STEP=FACTOR\n"
            "                     make STEP (generate, filter, normalize, features, or its\n"
            "                     function name) do FACTOR (1..4) times its work; repeatable\n"
            "  -h, --help         show this help\n"
            "Prints the readings kept and the mean window features; deterministic.\n",
            MAX_N, DEFAULT_N, MAX_WINDOW, DEFAULT_WINDOW);
}

/* Parses "STEP=FACTOR" into opt->slow; returns 0 or -1. */
PSCOPE_NOINSTR static int parse_slow(const char *text, struct options *opt)
{
    const char *equals = strchr(text, '=');
    if (equals == NULL)
        return -1;
    size_t name_length = (size_t)(equals - text);
    char *end = NULL;
    errno = 0;
    double factor = strtod(equals + 1, &end);
    if (errno != 0 || end == equals + 1 || *end != '\0' || !(factor >= 1.0) ||
        factor > MAX_SLOW_FACTOR)
        return -1;
    for (int step = 0; step < STEP_COUNT; step++) {
        const char *names[3] = { step_names[step], step_functions[step][0],
                                 step_functions[step][1] };
        for (int k = 0; k < 3; k++) {
            if (names[k] != NULL && strlen(names[k]) == name_length &&
                strncmp(names[k], text, name_length) == 0) {
                opt->slow[step].factor = factor;
                return 0;
            }
        }
    }
    return -1;
}

/* Fills *opt from the command line. Returns 0 to run, 1 after --help, 2 on a bad argument
 * (one line printed on stderr). */
PSCOPE_NOINSTR static int parse_options(int argc, char **argv, struct options *opt)
{
    static const struct option long_options[] = {
        { "window", required_argument, NULL, 'w' },
        { "incremental", no_argument, NULL, 'i' },
        { "slow", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    *opt = (struct options){ .n = DEFAULT_N, .window = DEFAULT_WINDOW };
    for (int step = 0; step < STEP_COUNT; step++)
        opt->slow[step].factor = 1.0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":w:is:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'w':
            if (parse_count(optarg, 1, MAX_WINDOW, &opt->window) != 0) {
                fprintf(stderr, "sensor_pipeline: bad --window '%s' (expected 1..%lu)\n",
                        optarg, MAX_WINDOW);
                return 2;
            }
            break;
        case 'i':
            opt->incremental = true;
            break;
        case 's':
            if (parse_slow(optarg, opt) != 0) {
                fprintf(stderr,
                        "sensor_pipeline: bad --slow '%s' (expected STEP=FACTOR, STEP one of "
                        "generate, filter, normalize, features, FACTOR in 1..4)\n",
                        optarg);
                return 2;
            }
            break;
        case 'h':
            print_usage(stdout);
            return 1;
        case ':':
            fprintf(stderr, "sensor_pipeline: option '%s' needs a value; try --help\n",
                    argv[optind - 1]);
            return 2;
        default:
            sample_unknown_option("sensor_pipeline", argv);
            return 2;
        }
    }
    if (sample_positional_n("sensor_pipeline", argc, argv, 1, MAX_N, &opt->n) != 0)
        return 2;
    return 0;
}

int main(int argc, char **argv)
{
    struct options opt;
    int parsed = parse_options(argc, argv, &opt);
    if (parsed != 0)
        return parsed == 1 ? EXIT_SUCCESS : 2;
    memcpy(step_slowdown, opt.slow, sizeof step_slowdown);
    pscope_set_scale((double)opt.n);

    struct pipeline_result result;
    if (run_pipeline(&opt, &result) != 0)
        return EXIT_FAILURE;
    const struct features *sum = &result.feature_sum;
    double kept = result.kept > 0 ? (double)result.kept : 1.0;
    double autocorrelation_all = 0.0;
    for (unsigned k = 1; k <= AUTOCORR_LAGS; k++)
        autocorrelation_all += sum->autocorrelation[k];
    printf("sensor_pipeline: n=%lu window=%lu mode=%s readings=%zu kept=%zu mean=%.6f "
           "variance=%.6f skewness=%.6f kurtosis=%.6f autocorr1=%.6f autocorr_mean=%.6f\n",
           opt.n, opt.window, opt.incremental ? "incremental" : "recompute", result.readings,
           result.kept, sum->mean / kept, sum->variance / kept, sum->skewness / kept,
           sum->kurtosis / kept, sum->autocorrelation[1] / kept,
           autocorrelation_all / (kept * AUTOCORR_LAGS));
    return EXIT_SUCCESS;
}
