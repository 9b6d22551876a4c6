/* The "aeabi" attributes subsection: after the format version 'A', each
 * subsection is a 32-bit length, a vendor name and tagged records; the
 * file-wide ones (Tag_File, 1) hold ULEB128-tagged attributes whose values
 * are ULEB128 numbers or, for the tags below, NUL-terminated strings. */
#include <gelf.h>
#include <string.h>

#include "arm_attributes.h"

#define TAG_FILE 1
#define TAG_CPU_RAW_NAME 4
#define TAG_CPU_NAME 5
#define TAG_CPU_ARCH 6
#define TAG_CPU_ARCH_PROFILE 7
#define TAG_FP_ARCH 10
#define TAG_ABI_HARDFP_USE 27
#define TAG_ABI_VFP_ARGS 28
#define TAG_COMPATIBILITY 32 /* a number, then a string */
#define TAG_ALSO_COMPATIBLE_WITH 65
#define TAG_CONFORMANCE 67
#define HARDFP_SP_ONLY 1

static unsigned long uleb(const unsigned char **p, const unsigned char *end)
{
    unsigned long v = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        unsigned char b = *(*p)++;
        v |= (unsigned long)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return v;
}

static void skip_string(const unsigned char **p, const unsigned char *end)
{
    while (*p < end && *(*p)++)
        ;
}

static bool is_string_tag(unsigned long tag)
{
    return tag == TAG_CPU_RAW_NAME || tag == TAG_CPU_NAME || tag == TAG_ALSO_COMPATIBLE_WITH ||
           tag == TAG_CONFORMANCE || (tag > TAG_COMPATIBILITY && tag % 2 == 1);
}

static void read_file_attributes(const unsigned char *p, const unsigned char *end, arm_attributes_t *a)
{
    while (p < end) {
        unsigned long tag = uleb(&p, end);
        if (tag == TAG_COMPATIBILITY) {
            uleb(&p, end);
            skip_string(&p, end);
        } else if (is_string_tag(tag)) {
            skip_string(&p, end);
        } else {
            unsigned long v = uleb(&p, end);
            if (tag == TAG_CPU_ARCH)
                a->cpu_arch = (unsigned)v;
            else if (tag == TAG_CPU_ARCH_PROFILE)
                a->m_profile = v == 'M';
            else if (tag == TAG_FP_ARCH)
                a->fp_arch = (unsigned)v;
            else if (tag == TAG_ABI_VFP_ARGS)
                a->vfp_args = v == 1;
            else if (tag == TAG_ABI_HARDFP_USE)
                a->double_fp = v != HARDFP_SP_ONLY;
        }
    }
}

static bool read_section(const unsigned char *p, const unsigned char *end, arm_attributes_t *a)
{
    if (p == end || *p++ != 'A')
        return false;
    while (end - p > 4) {
        uint32_t len;
        memcpy(&len, p, 4);
        const unsigned char *sub_end = len > 4 && len <= (size_t)(end - p) ? p + len : end;
        const unsigned char *q = p + 4;
        bool aeabi = !strncmp((const char *)q, "aeabi", (size_t)(sub_end - q));
        skip_string(&q, sub_end);
        while (aeabi && sub_end - q > 5) {
            unsigned long tag = uleb(&q, sub_end);
            uint32_t size;
            memcpy(&size, q, 4);
            const unsigned char *rec_end = size > 4 && size <= (size_t)(sub_end - q) + 1 ? q - 1 + size : sub_end;
            if (tag == TAG_FILE)
                read_file_attributes(q + 4, rec_end, a);
            q = rec_end;
        }
        p = sub_end;
    }
    return true;
}

bool arm_attributes_read(Elf *elf, arm_attributes_t *a)
{
    memset(a, 0, sizeof *a);
    for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
        GElf_Shdr sh;
        Elf_Data *d;
        if (gelf_getshdr(s, &sh) && sh.sh_type == SHT_ARM_ATTRIBUTES && (d = elf_getdata(s, NULL)) && d->d_buf)
            return read_section(d->d_buf, (const unsigned char *)d->d_buf + d->d_size, a);
    }
    return false;
}

const char *arm_attributes_cpu(const arm_attributes_t *a)
{
    switch (a->cpu_arch) {
    case ARM_ARCH_V6_M:
    case ARM_ARCH_V6S_M: return "cortex-m0plus";
    case ARM_ARCH_V7: return a->m_profile ? "cortex-m3" : "cortex-m4";
    case ARM_ARCH_V8M_BASE:
    case ARM_ARCH_V8M_MAIN: return "cortex-m33";
    case ARM_ARCH_V7E_M: return a->double_fp ? "cortex-m7" : "cortex-m4";
    default: return "cortex-m4";
    }
}
