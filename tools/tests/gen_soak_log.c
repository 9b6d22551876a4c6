/* A stand-in for the soak (issue 4): the seed story's connect/suspend loop
 * against our heap, printing what a device's console shows — console
 * chatter, one Heap Info overview per cycle and, on the first failed
 * allocation, the kernel's warning and dump.
 *
 *   gen_soak_log MODE [OUT]   writes to OUT, or to stdout
 *
 *   vendor       connect creates 5 timers, suspend deletes 4; a scan cache
 *                also leaks every 3rd cycle. Runs until an allocation fails.
 *   fixed        the same driver without the leaks, 300 cycles.
 *   fluctuating  no leak, but a seeded random number of rx frames is held
 *                across each overview, 300 cycles.
 *
 * Every mode first prints a baseline dump. The tools' tests use the output
 * as fixtures and this binary as the ELF that mmdump symbolizes against:
 * the lines marked "call site:" are what they expect mmdump to name. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm.h"

#define TIMER_BYTES 72 /* a dynamic timer's payload, as in the seed's dump */
#define RX_BUF_BYTES 1536
#define SCAN_BYTES 24 /* small enough for the pool */
#define CACHE_BYTES 200
#define FRAME_BYTES 512
#define MAX_FRAMES 8
#define CONTEXT_BYTES 256
#define QUIET_CYCLES 300

typedef enum { VENDOR, FIXED, FLUCTUATING } soak_mode_t;

typedef struct {
    void *timers[4];
    void *keepalive;
    void *rx_buf;
    void *scan;
} link_t;

static uint32_t g_rng = 0x2545F491u;

static uint32_t next_random(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 17;
    g_rng ^= g_rng << 5;
    return g_rng;
}

/* Like krhino_timer_dyn_create: a heap block of kind timer, owned by the
 * caller's call site. */
static __attribute__((noinline)) void *fake_timer_dyn_create(void)
{
    return k_mm_alloc(g_kmm_head, TIMER_BYTES, (uintptr_t)__builtin_return_address(0), K_MM_KIND_TIMER);
}

static __attribute__((noinline)) void *wifi_init(void)
{
    return aos_malloc(CONTEXT_BYTES); /* call site: driver context */
}

static __attribute__((noinline)) void *scan_cache_add(void)
{
    return aos_malloc(CACHE_BYTES); /* call site: scan cache */
}

/* The vendor's connect creates its timers, caches scan results every 3rd
 * time (never freed: a second leak), then takes its buffers. */
static __attribute__((noinline)) int vendor_connect(link_t *l, soak_mode_t mode, unsigned cycle)
{
    for (int i = 0; i < 4; i++)
        if (!(l->timers[i] = fake_timer_dyn_create())) /* call site: link timers */
            return -1;
    if (mode == VENDOR && !(l->keepalive = fake_timer_dyn_create())) /* call site: keepalive timer */
        return -1;
    if (mode == VENDOR && cycle % 3 == 0 && !scan_cache_add())
        return -1;
    if (!(l->rx_buf = aos_malloc(RX_BUF_BYTES)))
        return -1;
    l->scan = aos_malloc(SCAN_BYTES);
    return l->scan ? 0 : -1;
}

/* The vendor's suspend deletes the four link timers and forgets the
 * keepalive timer: the seed's leak. */
static __attribute__((noinline)) void vendor_suspend(link_t *l)
{
    for (int i = 0; i < 4; i++)
        aos_free(l->timers[i]);
    aos_free(l->rx_buf);
    aos_free(l->scan);
    memset(l, 0, sizeof *l);
}

/* Frames held across the overview: free heap that only fluctuates. */
static __attribute__((noinline)) int hold_rx_frames(void **frames, unsigned *held)
{
    for (unsigned i = 0; i < *held; i++)
        aos_free(frames[i]);
    *held = next_random() % (MAX_FRAMES + 1);
    for (unsigned i = 0; i < *held; i++)
        if (!(frames[i] = aos_malloc(FRAME_BYTES)))
            return -1;
    return 0;
}

static void print_console_chatter(unsigned cycle)
{
    printf("[%6u.%03u] wifi: AP power cut, link down\n", cycle * 5, cycle % 1000);
    printf("[%6u.%03u] wifi: connected to \"lab-ap\", rssi -%u\n", cycle * 5 + 2, cycle % 1000,
           40 + next_random() % 30);
}

static int run_cycle(soak_mode_t mode, unsigned cycle, void **frames, unsigned *held)
{
    link_t link = {0};
    if (vendor_connect(&link, mode, cycle) != 0)
        return -1;
    if (mode == FLUCTUATING && hold_rx_frames(frames, held) != 0)
        return -1;
    print_console_chatter(cycle);
    vendor_suspend(&link);
    krhino_mm_overview(NULL);
    return 0;
}

static int parse_mode(const char *name, soak_mode_t *mode)
{
    static const char *const names[] = {"vendor", "fixed", "fluctuating"};
    for (int m = VENDOR; m <= FLUCTUATING; m++)
        if (name && strcmp(name, names[m]) == 0) {
            *mode = (soak_mode_t)m;
            return 0;
        }
    fprintf(stderr, "usage: gen_soak_log vendor|fixed|fluctuating [OUT]\n");
    return -1;
}

int main(int argc, char **argv)
{
    soak_mode_t mode;
    if (parse_mode(argc > 1 ? argv[1] : NULL, &mode) != 0)
        return 2;
    if (argc > 2 && !freopen(argv[2], "w", stdout)) {
        perror(argv[2]);
        return 2;
    }
    void *frames[MAX_FRAMES];
    unsigned held = 0;
    k_mm_init();
    printf("soak: boot, %s driver, connect/suspend every 5 s, overview after each cycle\n", argv[1]);
    if (!wifi_init())
        return 1;
    printf("soak: baseline after hal_wifi_init\n");
    krhino_mm_dump(NULL);
    for (unsigned cycle = 1; mode == VENDOR || cycle <= QUIET_CYCLES; cycle++)
        if (run_cycle(mode, cycle, frames, &held) != 0) {
            printf("soak: connect failed in cycle %u, stopping\n", cycle);
            break;
        }
    return 0;
}
