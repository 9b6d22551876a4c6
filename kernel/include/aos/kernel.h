/* The subset of the AliOS Things aos API that drivers use. */
#ifndef AOS_KERNEL_H
#define AOS_KERNEL_H

#include <stddef.h>
#include <stdint.h>

void *aos_malloc(size_t size);
void *aos_zalloc(size_t size);
void *aos_calloc(size_t nitems, size_t size);
void *aos_realloc(void *mem, size_t size);
void aos_free(void *mem);

/* Advances the simulated tick by ms * RHINO_CONFIG_TICKS_PER_SECOND / 1000. */
void aos_msleep(uint32_t ms);

#endif
