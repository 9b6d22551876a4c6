#include "unit_support.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "k_mm.h"
#include "k_port.h"

static char capture_buf[1 << 20];
static size_t capture_len;
err_record_t g_err_record;

const char *capture_text(void) { return capture_buf; }

void capture_reset(void)
{
    capture_len = 0;
    capture_buf[0] = '\0';
}

int capture_print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = sizeof capture_buf - capture_len;
    int n = vsnprintf(capture_buf + capture_len, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        capture_len += (size_t)n < room ? (size_t)n : room - 1;
    return n;
}

static void record_err(kstat_t err, const void *addr)
{
    g_err_record.count++;
    g_err_record.last_err = err;
    g_err_record.last_addr = addr;
}

void unit_observe_kernel(void)
{
    memset(&g_err_record, 0, sizeof g_err_record);
    capture_reset();
    k_print_set(capture_print);
    k_err_hook_set(record_err);
}

void unit_fresh_kernel(void)
{
    k_fault_reset();
    k_mm_init();
    unit_observe_kernel();
}

int capture_count(const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    for (const char *p = capture_buf; (p = strstr(p, needle)); p += len)
        n++;
    return n;
}

k_mm_stats_t unit_heap_stats(const k_mm_head *h)
{
    k_mm_stats_t st;
    k_mm_stats(h, &st);
    return st;
}

k_mm_head *unit_private_heap(void)
{
    static union {
        unsigned char bytes[UNIT_PRIVATE_HEAP_LEN];
        uint64_t align;
    } mem;
    k_mm_head *h = NULL;
    if (krhino_init_mm_head(&h, mem.bytes, sizeof mem.bytes) != RHINO_SUCCESS)
        return NULL;
    return h;
}

bool unit_owner_is_in(uintptr_t owner, const void *fn)
{
    return owner > (uintptr_t)fn && owner < (uintptr_t)fn + 256;
}

bool unit_read_text(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return true;
}
