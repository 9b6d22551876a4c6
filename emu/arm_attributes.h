/* What an ARM ELF says it was built for (its .ARM.attributes "aeabi"
 * section, ARM IHI 0045 "Addenda to the ABI"): the architecture, the FPU
 * and the float calling convention. blob_link picks the C library's
 * multilib by it, the emulator its CPU model. */
#ifndef EMU_ARM_ATTRIBUTES_H
#define EMU_ARM_ATTRIBUTES_H

#include <libelf.h>
#include <stdbool.h>

/* Tag_CPU_arch values of the M profile */
#define ARM_ARCH_V7 10      /* with profile 'M': ARMv7-M (Cortex-M3) */
#define ARM_ARCH_V6_M 11    /* Cortex-M0/M1 */
#define ARM_ARCH_V6S_M 12   /* Cortex-M0+ */
#define ARM_ARCH_V7E_M 13   /* Cortex-M4/M7 */
#define ARM_ARCH_V8M_BASE 16
#define ARM_ARCH_V8M_MAIN 17

typedef struct {
    unsigned cpu_arch;   /* Tag_CPU_arch, 0 when absent */
    bool m_profile;      /* Tag_CPU_arch_profile 'M' */
    unsigned fp_arch;    /* Tag_FP_arch, 0 = no FPU */
    bool vfp_args;       /* Tag_ABI_VFP_args 1: floats pass in VFP registers (hard float) */
    bool double_fp;      /* Tag_ABI_HardFP_use other than "SP only" */
} arm_attributes_t;

/* Reads elf's attributes into *a (zeroed first). False when it has none. */
bool arm_attributes_read(Elf *elf, arm_attributes_t *a);
/* The gcc -mcpu for them: cortex-m0plus, cortex-m3, cortex-m4 (the
 * default), cortex-m7 (v7E-M with double precision), cortex-m33. */
const char *arm_attributes_cpu(const arm_attributes_t *a);

#endif
