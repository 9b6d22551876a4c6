/* Host port: console and error hook. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "k_port.h"

static int print_to_stdout(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

static k_print_fn g_print = print_to_stdout;

k_print_fn k_print_set(k_print_fn fn)
{
    k_print_fn old = g_print;
    g_print = fn ? fn : print_to_stdout;
    return old;
}

int k_print_discard(const char *fmt, ...) { return 0; }

int k_printf(const char *fmt, ...)
{
    if (g_print == k_print_discard)
        return 0; /* nobody reads it: no formatting */
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    g_print("%s", line);
    return n;
}

const char *k_err_name(kstat_t err)
{
    switch (err) {
    case RHINO_SUCCESS: return "RHINO_SUCCESS";
    case RHINO_INV_PARAM: return "RHINO_INV_PARAM";
    case RHINO_NULL_PTR: return "RHINO_NULL_PTR";
    case RHINO_INV_ALIGN: return "RHINO_INV_ALIGN";
    case RHINO_KOBJ_TYPE_ERR: return "RHINO_KOBJ_TYPE_ERR";
    case RHINO_KOBJ_DEL_ERR: return "RHINO_KOBJ_DEL_ERR";
    case RHINO_MM_POOL_SIZE_ERR: return "RHINO_MM_POOL_SIZE_ERR";
    case RHINO_MM_ALLOC_SIZE_ERR: return "RHINO_MM_ALLOC_SIZE_ERR";
    case RHINO_MM_FREE_ADDR_ERR: return "RHINO_MM_FREE_ADDR_ERR";
    case RHINO_MM_CORRUPT_ERR: return "RHINO_MM_CORRUPT_ERR";
    case RHINO_MM_DOUBLE_FREE: return "RHINO_MM_DOUBLE_FREE";
    case RHINO_NO_MEM: return "RHINO_NO_MEM";
    case RHINO_NO_PEND_WAIT: return "RHINO_NO_PEND_WAIT";
    case RHINO_BLK_TIMEOUT: return "RHINO_BLK_TIMEOUT";
    case RHINO_WAIT_NEVER_RETURNS: return "RHINO_WAIT_NEVER_RETURNS";
    case RHINO_SEM_OVF: return "RHINO_SEM_OVF";
    case RHINO_MUTEX_NOT_RELEASED_BY_OWNER: return "RHINO_MUTEX_NOT_RELEASED_BY_OWNER";
    case RHINO_MUTEX_OWNER_NESTED: return "RHINO_MUTEX_OWNER_NESTED";
    case RHINO_BUF_QUEUE_FULL: return "RHINO_BUF_QUEUE_FULL";
    case RHINO_BUF_QUEUE_MSG_SIZE_OVERFLOW: return "RHINO_BUF_QUEUE_MSG_SIZE_OVERFLOW";
    case RHINO_BUF_QUEUE_SIZE_ZERO: return "RHINO_BUF_QUEUE_SIZE_ZERO";
    case RHINO_WORKQUEUE_WORK_EXIST: return "RHINO_WORKQUEUE_WORK_EXIST";
    case RHINO_WORKQUEUE_WORK_RUNNING: return "RHINO_WORKQUEUE_WORK_RUNNING";
    case RHINO_TIMER_STATE_INV: return "RHINO_TIMER_STATE_INV";
    case RHINO_TIMER_MSG_FULL: return "RHINO_TIMER_MSG_FULL";
    }
    return "RHINO_UNKNOWN";
}

/* A device halts on a kernel error; so does the host unless told otherwise. */
static void halt_on_error(kstat_t err, const void *addr)
{
    fprintf(stderr, "rtosfuzz: kernel error %s at 0x%08lx, stopping\n", k_err_name(err),
            (unsigned long)(uintptr_t)addr);
    fflush(NULL);
    abort();
}

static k_err_hook_t g_err_hook = halt_on_error;

k_err_hook_t k_err_hook_set(k_err_hook_t hook)
{
    k_err_hook_t old = g_err_hook;
    g_err_hook = hook ? hook : halt_on_error;
    return old;
}

void k_err_proc(kstat_t err, const void *addr) { g_err_hook(err, addr); }
