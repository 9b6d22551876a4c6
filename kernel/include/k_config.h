/* Build-time configuration of the host kernel. Every value can be overridden
 * with -D on the compiler command line; the defaults match the device the
 * rtosfuzz seed story came from. */
#ifndef K_CONFIG_H
#define K_CONFIG_H

/* Heap */
#ifndef RHINO_CONFIG_MM_DEBUG
#define RHINO_CONFIG_MM_DEBUG 1 /* dye word + owner in every block header */
#endif
#ifndef RHINO_CONFIG_MM_TRACE
/* A trace record id in every block header: only where the debug header has
 * 4 spare bytes of padding (64-bit hosts), so the header size stays. */
#define RHINO_CONFIG_MM_TRACE (RHINO_CONFIG_MM_DEBUG && __SIZEOF_POINTER__ == 8)
#endif
#ifndef RHINO_CONFIG_MM_QUARANTINE
#define RHINO_CONFIG_MM_QUARANTINE 8 /* most freed blocks a heap holds back, poisoned (debug builds) */
#endif
#ifndef RHINO_CONFIG_MM_DEFAULT_HEAP_SIZE
#define RHINO_CONFIG_MM_DEFAULT_HEAP_SIZE 0x0004A838u /* the seed device's TotalSz */
#endif
#ifndef RHINO_CONFIG_MM_SCAN_LIMIT
#define RHINO_CONFIG_MM_SCAN_LIMIT 16 /* free-list entries examined before moving up a class */
#endif

/* Fixed-block pool carved from the heap at init */
#ifndef RHINO_CONFIG_MM_BLK
#define RHINO_CONFIG_MM_BLK 1
#endif
#ifndef RHINO_CONFIG_MM_BLK_SIZE
#define RHINO_CONFIG_MM_BLK_SIZE 32u
#endif
#ifndef RHINO_CONFIG_MM_TLF_BLK_SIZE
#define RHINO_CONFIG_MM_TLF_BLK_SIZE 8192u
#endif

/* Timer service */
#ifndef RHINO_CONFIG_TIMER_MSG_NUM
#define RHINO_CONFIG_TIMER_MSG_NUM 20
#endif
#ifndef RHINO_CONFIG_TICKS_PER_SECOND
#define RHINO_CONFIG_TICKS_PER_SECOND 100u
#endif

#endif
