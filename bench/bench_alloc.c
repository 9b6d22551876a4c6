/* bench alloc: our heap vs glibc malloc on the same op sequence, same run.
 * 64 slots, each op frees an occupied slot or fills an empty one; 3 in 4
 * requests are 1..32 bytes (pool sized), 1 in 4 up to 2 KiB. Prints ops/s
 * of both and the ratio (ours / glibc); the best of several alternating
 * rounds is kept, so noise from the machine hurts both sides alike. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aos/kernel.h"
#include "k_mm.h"

#define SLOTS 64

typedef struct {
    uint8_t slot;
    uint16_t size; /* 0 = free the slot */
} op_t;

typedef struct {
    void *(*alloc)(size_t);
    void (*release)(void *);
} allocator_t;

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static op_t *make_ops(size_t n, uint32_t seed)
{
    op_t *ops = malloc(n * sizeof *ops);
    bool full[SLOTS] = {0};
    for (size_t i = 0; i < n; i++) {
        uint8_t slot = (uint8_t)(xorshift(&seed) % SLOTS);
        uint16_t size = 0;
        if (!full[slot])
            size = (uint16_t)(xorshift(&seed) % 4 ? 1 + xorshift(&seed) % 32 : 1 + xorshift(&seed) % 2048);
        full[slot] = !full[slot];
        ops[i] = (op_t){slot, size};
    }
    return ops;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run(const allocator_t *a, const op_t *ops, size_t n)
{
    void *slot[SLOTS] = {0};
    double t0 = now();
    for (size_t i = 0; i < n; i++) {
        const op_t *op = &ops[i];
        if (op->size) {
            unsigned char *p = a->alloc(op->size);
            if (!p) {
                fprintf(stderr, "bench: allocation of %u failed at op %zu\n", op->size, i);
                exit(1);
            }
            p[0] = (unsigned char)i; /* touch it, as a user would */
            slot[op->slot] = p;
        } else {
            a->release(slot[op->slot]);
            slot[op->slot] = NULL;
        }
    }
    double dt = now() - t0;
    for (int i = 0; i < SLOTS; i++)
        a->release(slot[i]);
    return (double)n / dt;
}

static int silent(const char *fmt, ...) { return 0; }

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 4000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    if (n < 2 || rounds < 1) {
        fprintf(stderr, "usage: bench_alloc [OPS [ROUNDS]]\n");
        return 2;
    }
    op_t *ops = make_ops(n, 0xC0FFEEu);
    k_print_set(silent);
    const allocator_t ours = {aos_malloc, aos_free}, glibc = {malloc, free};
    double best_ours = 0, best_glibc = 0;
    for (int r = 0; r < rounds; r++) {
        k_mm_init();
        double a = run(&ours, ops, n);
        double b = run(&glibc, ops, n);
        best_ours = a > best_ours ? a : best_ours;
        best_glibc = b > best_glibc ? b : best_glibc;
    }
    printf("bench alloc: %zu ops (64 slots, 3/4 of requests 1..32 B, 1/4 up to 2 KiB), best of %d rounds\n", n,
           rounds);
    printf("  rtosfuzz heap (MM debug %s): %12.0f ops/s\n", RHINO_CONFIG_MM_DEBUG ? "on" : "off", best_ours);
    printf("  glibc malloc               : %12.0f ops/s\n", best_glibc);
    printf("  ratio heap/glibc           : %12.2fx\n", best_ours / best_glibc);
    free(ops);
    return 0;
}
