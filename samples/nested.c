/* samples/nested.c: an N-body simulation whose profile has several call layers.
 *
 * Usage: nested [N] [--steps S] [--help]
 *   N   particles, 2..20000, default 1000;   S   time steps, 1..1000, default 6.
 * Prints one line: n, steps, total energy before and after, and its relative drift.
 * Deterministic (fixed-seed initial state, same operation order every run). Bad
 * arguments: one line on stderr, exit 2; out of memory: exit 1.
 *
 * The call tree, six layers deep (depth in brackets):
 *   main [0] -> simulate [1] -> simulation_step [2] -> compute_forces [3]
 *                                                  -> particle_force [4] -> pair_force [5]
 *                            -> simulation_step [2] -> integrate [3] -> advance_particle [4]
 *                            -> total_energy [2] -> kinetic_energy [3] -> particle_kinetic [4]
 *                                                -> potential_energy [3] -> pair_potential [4]
 *            -> init_particles [1] -> uniform_next [2]
 * Calls per run (exact): main 1, simulate 1, init_particles 1, uniform_next 7N,
 * total_energy 2, kinetic_energy 2, potential_energy 2, particle_kinetic 2N,
 * pair_potential N(N-1), simulation_step S, compute_forces S, integrate S,
 * particle_force S*N, advance_particle S*N, pair_force S*N*(N-1) (command-line handling
 * is not instrumented). pair_force dominates: the run is O(S * N^2), a quadratic profile
 * for scaling tests. The run's scale is N (pscope_set_scale).
 *
 * Stages: "energy" twice (records N in/out), and "simulate" (records S*N in/out, one
 * record mark per step) containing per step a nested "forces" and an "integrate" stage
 * (records N in/out each).
 *
 * Default run (N = 1000, S = 6): 5,994,000 pair_force calls.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pscope.h"
#include "sample_cli.h"

#define DEFAULT_N 1000ul
#define MAX_N 20000ul
#define DEFAULT_STEPS 6ul
#define MAX_STEPS 1000ul
#define TIME_STEP 1e-3
#define SOFTENING2 1e-2 /* squared softening length: keeps close encounters finite */
#define INIT_SEED 0x2545F4914F6CDD1Dull

struct particle {
    double position[3];
    double velocity[3];
    double acceleration[3];
    double mass;
};

/* xorshift64: uniform double in [0, 1). */
__attribute__((noinline)) static double uniform_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (double)(x >> 11) * 0x1.0p-53;
}

/* Places the particles uniformly in the unit cube with small random velocities. */
__attribute__((noinline)) static void init_particles(struct particle *particles, size_t n)
{
    uint64_t rng = INIT_SEED;
    for (size_t i = 0; i < n; i++) {
        struct particle *p = &particles[i];
        for (int axis = 0; axis < 3; axis++) {
            p->position[axis] = uniform_next(&rng);
            p->velocity[axis] = 0.1 * (uniform_next(&rng) - 0.5);
            p->acceleration[axis] = 0.0;
        }
        p->mass = (0.5 + uniform_next(&rng)) / (double)n;
    }
}

/* Adds the softened gravitational pull of b on a to acc. */
__attribute__((noinline)) static void pair_force(const struct particle *a, const struct particle *b,
                                                 double *acc)
{
    double dx = b->position[0] - a->position[0];
    double dy = b->position[1] - a->position[1];
    double dz = b->position[2] - a->position[2];
    double r2 = dx * dx + dy * dy + dz * dz + SOFTENING2;
    double scale = b->mass / (r2 * sqrt(r2));
    acc[0] += dx * scale;
    acc[1] += dy * scale;
    acc[2] += dz * scale;
}

/* Acceleration of particle i from all the others. */
__attribute__((noinline)) static void particle_force(struct particle *particles, size_t n, size_t i)
{
    double acc[3] = { 0.0, 0.0, 0.0 };
    for (size_t j = 0; j < n; j++) {
        if (j != i)
            pair_force(&particles[i], &particles[j], acc);
    }
    memcpy(particles[i].acceleration, acc, sizeof acc);
}

__attribute__((noinline)) static void compute_forces(struct particle *particles, size_t n)
{
    pscope_stage *stage = pscope_stage_begin("forces");
    for (size_t i = 0; i < n; i++)
        particle_force(particles, n, i);
    pscope_stage_records(stage, n, n);
    pscope_stage_end(stage);
}

/* Semi-implicit Euler step of one particle. */
__attribute__((noinline)) static void advance_particle(struct particle *p)
{
    for (int axis = 0; axis < 3; axis++) {
        p->velocity[axis] += TIME_STEP * p->acceleration[axis];
        p->position[axis] += TIME_STEP * p->velocity[axis];
    }
}

__attribute__((noinline)) static void integrate(struct particle *particles, size_t n)
{
    pscope_stage *stage = pscope_stage_begin("integrate");
    for (size_t i = 0; i < n; i++)
        advance_particle(&particles[i]);
    pscope_stage_records(stage, n, n);
    pscope_stage_end(stage);
}

__attribute__((noinline)) static void simulation_step(struct particle *particles, size_t n)
{
    compute_forces(particles, n);
    integrate(particles, n);
}

__attribute__((noinline)) static double particle_kinetic(const struct particle *p)
{
    const double *v = p->velocity;
    return 0.5 * p->mass * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

/* Softened potential energy of the pair (a, b). */
__attribute__((noinline)) static double pair_potential(const struct particle *a,
                                                       const struct particle *b)
{
    double dx = b->position[0] - a->position[0];
    double dy = b->position[1] - a->position[1];
    double dz = b->position[2] - a->position[2];
    return -a->mass * b->mass / sqrt(dx * dx + dy * dy + dz * dz + SOFTENING2);
}

__attribute__((noinline)) static double kinetic_energy(const struct particle *particles, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += particle_kinetic(&particles[i]);
    return sum;
}

/* Sum over unordered pairs, visiting each pair from both ends (N(N-1) calls) and halving:
 * the same access pattern as the force loop. */
__attribute__((noinline)) static double potential_energy(const struct particle *particles, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            if (j != i)
                sum += pair_potential(&particles[i], &particles[j]);
        }
    }
    return 0.5 * sum;
}

__attribute__((noinline)) static double total_energy(const struct particle *particles, size_t n)
{
    pscope_stage *stage = pscope_stage_begin("energy");
    double energy = kinetic_energy(particles, n) + potential_energy(particles, n);
    pscope_stage_records(stage, n, n);
    pscope_stage_end(stage);
    return energy;
}

/* Runs `steps` steps; stores the total energy before and after. */
__attribute__((noinline)) static void simulate(struct particle *particles, size_t n,
                                               unsigned long steps, double *energy_before,
                                               double *energy_after)
{
    *energy_before = total_energy(particles, n);
    pscope_stage *stage = pscope_stage_begin("simulate");
    for (unsigned long s = 0; s < steps; s++) {
        simulation_step(particles, n);
        pscope_stage_record(stage);
    }
    pscope_stage_records(stage, steps * n, steps * n);
    pscope_stage_end(stage);
    *energy_after = total_energy(particles, n);
}

/* Prints the --help text. Command-line handling is not instrumented: it is no part of
 * the workload being profiled. */
PSCOPE_NOINSTR static void print_usage(FILE *to)
{
    fprintf(to,
            "usage: nested [N] [--steps S]\n"
            "  N              particles, 2..%lu, default %lu\n"
            "  -s, --steps S  time steps, 1..%lu, default %lu\n"
            "  -h, --help     show this help\n"
            "Direct-sum N-body simulation (O(S * N^2)); prints the energy drift.\n",
            MAX_N, DEFAULT_N, MAX_STEPS, DEFAULT_STEPS);
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "steps", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    unsigned long n = DEFAULT_N, steps = DEFAULT_STEPS;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":s:h", long_options, NULL)) != -1) {
        switch (c) {
        case 's':
            if (parse_count(optarg, 1, MAX_STEPS, &steps) != 0) {
                fprintf(stderr, "nested: bad --steps '%s' (expected 1..%lu)\n", optarg,
                        MAX_STEPS);
                return 2;
            }
            break;
        case 'h':
            print_usage(stdout);
            return EXIT_SUCCESS;
        case ':':
            fprintf(stderr, "nested: option '%s' needs a value; try --help\n", argv[optind - 1]);
            return 2;
        default:
            sample_unknown_option("nested", argv);
            return 2;
        }
    }
    if (sample_positional_n("nested", argc, argv, 2, MAX_N, &n) != 0)
        return 2;
    pscope_set_scale((double)n);

    struct particle *particles = malloc(n * sizeof *particles);
    if (particles == NULL) {
        fprintf(stderr, "nested: out of memory for %lu particles\n", n);
        return EXIT_FAILURE;
    }
    init_particles(particles, n);
    double before = 0.0, after = 0.0;
    simulate(particles, n, steps, &before, &after);
    printf("nested: n=%lu steps=%lu energy_before=%.9e energy_after=%.9e drift=%.3e\n", n, steps,
           before, after, (after - before) / fabs(before));
    free(particles);
    return EXIT_SUCCESS;
}
