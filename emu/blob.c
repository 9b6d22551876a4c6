/* The guest machine: Unicorn 2 as a Cortex-M (Thumb, M-class), the image's
 * loadable segments mapped where it was linked, the host heap mapped in,
 * imports served by a code hook on each import's address (a blob_link stub,
 * or a firmware's own function of that name), guest basic blocks counted
 * for coverage and for the runaway budget, and every fault turned into a
 * finding. */
#include <assert.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unicorn/unicorn.h>
#include <unistd.h>

#include "arm_attributes.h"
#include "blob.h"
#include "driver_contract.h"
#include "guest_coverage.h"
#include "imports.h"
#include "k_mm.h"

#define PAGE 4096u
#define NULL_PAGE_END PAGE
#define GUEST_MAX_REGIONS 16
#define GUEST_EDGE_SLOTS 8192u
/* The owner-style site of an instruction: past its first halfword, as a
 * return address is past its call (and inside the symbol even though
 * Thumb symbol values carry bit 0). */
#define SITE_OF(pc) ((pc) + 2u)

typedef struct {
    char *name;
    guest_addr_t addr;
    uint32_t size;
} guest_symbol_t;

/* Guest memory: the image's segments (page-rounded, merged), the stack,
 * the return trap and the heap. */
typedef struct {
    guest_addr_t base;
    size_t size;
    uint32_t prot;     /* UC_PROT_* */
    uint8_t *host;
    uint8_t *snapshot; /* a writable image region's bytes as loaded */
} region_t;

/* An address whose code the host serves instead of running it. */
typedef struct {
    guest_addr_t addr;
    const import_t *imp; /* NULL: an import the emulator does not serve */
    const char *name;
} import_site_t;

static struct {
    uc_engine *uc;
    int cpu_model; /* UC_CPU_ARM_*, from the image's build attributes */
    region_t region[GUEST_MAX_REGIONS];
    size_t nregions;
    uint8_t *heap;
    size_t heap_len;
    guest_addr_t code_lo, code_hi;     /* the image's executable extent */
    guest_addr_t driver_lo, driver_hi; /* the driver's own code within it */
    import_site_t *site;
    size_t nsites;
    guest_symbol_t *sym;
    size_t nsym;
    uc_context *saved[GUEST_MAX_DEPTH];
    int depth;
    bool faulted;
    uint64_t blocks;       /* run by the current call from the host */
    guest_addr_t bad_addr; /* of the last invalid access */
    uint32_t prev_edge;
    guest_addr_t block_end[2]; /* just past the block running and the one before it */
} g;

/* libFuzzer reads this section as extra coverage counters; AFL++ gets the
 * same edges in its shared map. Elsewhere it is just a table. */
__attribute__((section("__libfuzzer_extra_counters"), used)) static uint8_t g_guest_edges[GUEST_EDGE_SLOTS];
/* AFL++ gets the guest's edges as sanitizer-coverage guards of their own,
 * registered with its runtime before the fork server starts: the shared
 * map grows by GUEST_EDGE_SLOTS entries instead of sharing the host's.
 * (Declaring __afl_area_ptr here cannot work: afl-clang-fast declares it
 * in every unit it compiles, and a second declaration is renamed apart.)
 * All weak: __afl_final_loc exists only in AFL++'s runtime. */
extern uint32_t __afl_final_loc __attribute__((weak));
void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop) __attribute__((weak));
void __sanitizer_cov_trace_pc_guard(uint32_t *guard) __attribute__((weak));
static uint32_t g_afl_guards[GUEST_EDGE_SLOTS];

/* After the instrumented units' own guards (constructor priority 2), before
 * AFL++'s fork server (default priority). */
__attribute__((constructor(200))) static void register_guest_edges_with_afl(void)
{
    if (&__afl_final_loc && __sanitizer_cov_trace_pc_guard_init)
        __sanitizer_cov_trace_pc_guard_init(g_afl_guards, g_afl_guards + GUEST_EDGE_SLOTS);
}

/* ---- faults ------------------------------------------------------------------ */
bool blob_faulted(void) { return g.faulted; }

void blob_fault(const char *kind, guest_addr_t site, const char *fmt, ...)
{
    if (g.faulted)
        return; /* the first fault is the finding; what follows is its echo */
    g.faulted = true;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (g.uc)
        uc_emu_stop(g.uc);
    drv_fault(kind, site, what);
}

static uint32_t reg(int r)
{
    uint32_t v = 0;
    uc_reg_read(g.uc, r, &v);
    return v;
}

static void set_reg(int r, uint32_t v) { uc_reg_write(g.uc, r, &v); }

static const char *fault_kind(uc_err err, guest_addr_t a)
{
    bool null = a < NULL_PAGE_END;
    switch (err) {
    case UC_ERR_READ_UNMAPPED: return null ? "null-read" : "unmapped-read";
    case UC_ERR_WRITE_UNMAPPED: return null ? "null-write" : "unmapped-write";
    case UC_ERR_FETCH_UNMAPPED: return null ? "null-call" : "unmapped-call";
    case UC_ERR_WRITE_PROT: return "write-to-read-only";
    case UC_ERR_FETCH_PROT: return "call-into-data";
    case UC_ERR_READ_UNALIGNED:
    case UC_ERR_WRITE_UNALIGNED: return "unaligned-access";
    case UC_ERR_INSN_INVALID: return "invalid-instruction";
    default: return "cpu-exception";
    }
}

/* A failed uc_emu_start: name the access and where it happened. A bad fetch
 * has no instruction of its own; its caller (LR) is the culprit. */
static void fault_from(uc_err err)
{
    bool fetch = err == UC_ERR_FETCH_UNMAPPED || err == UC_ERR_FETCH_PROT;
    guest_addr_t pc = reg(UC_ARM_REG_PC) & ~1u;
    guest_addr_t site = fetch ? reg(UC_ARM_REG_LR) & ~1u : SITE_OF(pc);
    bool access = err != UC_ERR_INSN_INVALID && err != UC_ERR_EXCEPTION;
    blob_fault(fault_kind(err, g.bad_addr), site, "guest %s at 0x%08x (pc 0x%08x): %s",
               access ? "access" : "instruction", (unsigned)(access ? g.bad_addr : pc), (unsigned)pc,
               uc_strerror(err));
}

static bool on_bad_access(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *ud)
{
    g.bad_addr = (guest_addr_t)addr;
    return false; /* stop: fault_from reports it */
}

/* ---- coverage and the runaway budget ------------------------------------------ */
static void count_edge(guest_addr_t block)
{
    uint32_t cur = (block >> 1) * 2654435761u;
    uint32_t edge = cur ^ g.prev_edge;
    g.prev_edge = cur >> 1;
    g_guest_edges[edge % GUEST_EDGE_SLOTS]++;
    if (g_afl_guards[0]) /* registered with AFL++ */
        __sanitizer_cov_trace_pc_guard(&g_afl_guards[edge % GUEST_EDGE_SLOTS]);
}

static void on_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    if (addr >= g.driver_lo && addr < g.driver_hi) { /* the driver's, not the C library's */
        count_edge((guest_addr_t)addr);
        guest_coverage_mark((guest_addr_t)addr, size);
    }
    g.block_end[1] = g.block_end[0];
    g.block_end[0] = (guest_addr_t)(addr + size);
    if (++g.blocks > GUEST_BLOCK_BUDGET)
        blob_fault("runaway", SITE_OF((guest_addr_t)addr), "ran %u basic blocks without returning (a loop that never ends?)",
                   GUEST_BLOCK_BUDGET);
}

/* ---- imports ------------------------------------------------------------------- */
static bool read_stack_word(guest_addr_t a, uint32_t *v, guest_addr_t site)
{
    const uint32_t *p = guest_mem(a, 4);
    if (!p) {
        blob_fault("bad-import-argument", site, "stack argument at 0x%08x is not guest memory", (unsigned)a);
        return false;
    }
    *v = *p;
    return true;
}

/* AAPCS: words in r0-r3 then 4-byte stack slots; a 64-bit value takes an
 * even register pair, or (once registers run out, after which every later
 * argument is on the stack too) an 8-byte aligned stack slot. */
static bool decode_args(const char *kinds, import_call_t *c)
{
    uint32_t r[4] = {reg(UC_ARM_REG_R0), reg(UC_ARM_REG_R1), reg(UC_ARM_REG_R2), reg(UC_ARM_REG_R3)};
    unsigned ncrn = 0;
    guest_addr_t nsaa = reg(UC_ARM_REG_SP);
    for (int i = 0; kinds[i]; i++) {
        uint32_t lo, hi;
        if (kinds[i] == 't') {
            ncrn = (ncrn + 1) & ~1u;
            if (ncrn + 1 < 4) {
                c->arg[i] = r[ncrn] | (uint64_t)r[ncrn + 1] << 32;
                ncrn += 2;
                continue;
            }
            ncrn = 4;
            nsaa = (nsaa + 7) & ~7u;
            if (!read_stack_word(nsaa, &lo, c->site) || !read_stack_word(nsaa + 4, &hi, c->site))
                return false;
            c->arg[i] = lo | (uint64_t)hi << 32;
            nsaa += 8;
        } else if (ncrn < 4) {
            c->arg[i] = r[ncrn++];
        } else {
            if (!read_stack_word(nsaa, &lo, c->site))
                return false;
            c->arg[i] = lo;
            nsaa += 4;
        }
    }
    return true;
}

/* The guest's call site of an import: just past the instruction that
 * branched to it, i.e. the end of the block before the stub's. After a
 * call that is LR; after a tail call (a function ending in `b aos_free`)
 * LR is its caller's return address, which would name the wrong function. */
static guest_addr_t import_call_site(void) { return g.block_end[1]; }

static void on_import(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    const import_site_t *site = ud;
    const import_t *imp = site->imp;
    guest_addr_t lr = reg(UC_ARM_REG_LR);
    import_call_t c = {.site = import_call_site()};
    if (!imp) {
        blob_fault("unsupported-import", c.site, "the driver called %s, which the emulator does not serve", site->name);
        return;
    }
    if (!decode_args(imp->args, &c))
        return;
    uint64_t result = import_serve(imp, &c);
    if (g.faulted) {
        uc_emu_stop(uc); /* a guest callback faulted inside the import */
        return;
    }
    import_traced(imp, &c, result);
    if (imp->result != 'v')
        set_reg(UC_ARM_REG_R0, (uint32_t)result);
    if (imp->result == 't')
        set_reg(UC_ARM_REG_R1, (uint32_t)(result >> 32));
    set_reg(UC_ARM_REG_PC, lr); /* return to the caller, as the stub's bx lr would */
}

/* ---- calls ----------------------------------------------------------------------- */
static bool returned(guest_addr_t pc) { return pc >= GUEST_RETURN_TRAP && pc < GUEST_RETURN_TRAP + 4096u; }

static void on_return(uc_engine *uc, uint64_t addr, uint32_t size, void *ud) { uc_emu_stop(uc); }

/* Runs guest code from pc until it returns to the trap. A stop address
 * given to uc_emu_start would cost a translation-cache invalidation per
 * call (Unicorn 2 drops the code at every exit address when a run ends), so
 * a hook on the trap stops the run instead. The stop a nested call's trap
 * requested can end this run early: it then resumes where it stopped. */
static uc_err run_to_return(guest_addr_t pc)
{
    uc_err err;
    while ((err = uc_emu_start(g.uc, pc | 1u, 0, 0, 0)) == UC_ERR_OK && !g.faulted &&
           !returned(pc = reg(UC_ARM_REG_PC) & ~1u))
        ;
    return err;
}

uint32_t blob_call(guest_addr_t fn, const uint32_t *args, int nargs)
{
    if (g.faulted || fn == 0)
        return 0;
    if (g.depth == GUEST_MAX_DEPTH) {
        blob_fault("runaway", reg(UC_ARM_REG_LR), "guest callbacks nested %d deep", GUEST_MAX_DEPTH);
        return 0;
    }
    guest_addr_t sp = GUEST_STACK_BASE + GUEST_STACK_SIZE;
    if (g.depth > 0) { /* below the frame of the guest code that is waiting for us */
        uc_context_save(g.uc, g.saved[g.depth]);
        sp = (reg(UC_ARM_REG_SP) - 64u) & ~7u;
    } else {
        g.blocks = 0;
    }
    static const int arg_regs[4] = {UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3};
    for (int i = 0; i < nargs && i < 4; i++)
        set_reg(arg_regs[i], args[i]);
    set_reg(UC_ARM_REG_SP, sp);
    set_reg(UC_ARM_REG_LR, GUEST_RETURN_TRAP | 1u);
    g.depth++;
    uc_err err = run_to_return(fn);
    g.depth--;
    uint32_t r0 = reg(UC_ARM_REG_R0);
    if (!g.faulted && err != UC_ERR_OK)
        fault_from(err);
    if (g.depth > 0)
        uc_context_restore(g.uc, g.saved[g.depth]);
    return g.faulted ? 0 : r0;
}

/* ---- memory --------------------------------------------------------------------- */
void *guest_mem(guest_addr_t a, size_t len)
{
    for (size_t i = 0; i < g.nregions; i++) {
        const region_t *r = &g.region[i];
        if (a >= r->base && (uint64_t)a - r->base + len <= r->size)
            return r->host + (a - r->base);
    }
    return NULL;
}

bool host_in_heap(const void *host)
{
    const uint8_t *p = host;
    return g.heap && p >= g.heap && p < g.heap + g.heap_len;
}

guest_addr_t guest_of_heap(const void *host)
{
    if (host == NULL)
        return 0;
    if (!host_in_heap(host)) {
        fprintf(stderr, "rtosfuzz: the kernel handed the guest %p, outside the heap\n", host);
        abort();
    }
    return GUEST_HEAP_BASE + (guest_addr_t)((const uint8_t *)host - g.heap);
}

/* ---- loading ---------------------------------------------------------------------- */
static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static uint8_t *pages(size_t len)
{
    uint8_t *p = aligned_alloc(PAGE, len);
    if (!p) {
        fprintf(stderr, "rtosfuzz: out of host memory for the guest\n");
        exit(2);
    }
    memset(p, 0, len);
    return p;
}

static uint32_t prot_of(const GElf_Phdr *ph)
{
    return (ph->p_flags & PF_R ? UC_PROT_READ : 0) | (ph->p_flags & PF_W ? UC_PROT_WRITE : 0) |
           (ph->p_flags & PF_X ? UC_PROT_EXEC : 0);
}

/* Adds the pages of one segment, merged with any region they touch. */
static int add_segment_pages(const GElf_Phdr *ph, const char *path, char *err, size_t errlen)
{
    guest_addr_t lo = (guest_addr_t)ph->p_vaddr & ~(PAGE - 1);
    uint64_t hi = (ph->p_vaddr + ph->p_memsz + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    if (hi > GUEST_STACK_BASE && lo < GUEST_HEAP_BASE + g.heap_len)
        return fail(err, errlen, "%s: the segment at 0x%08x overlaps the emulator's stack and heap (0x%08x-0x%08x)",
                    path, (unsigned)ph->p_vaddr, GUEST_STACK_BASE, (unsigned)(GUEST_HEAP_BASE + g.heap_len));
    for (size_t i = 0; i < g.nregions; i++) {
        region_t *r = &g.region[i];
        if (lo <= r->base + r->size && hi >= r->base) {
            guest_addr_t end = (guest_addr_t)(hi > r->base + r->size ? hi : r->base + r->size);
            r->base = lo < r->base ? lo : r->base;
            r->size = end - r->base;
            r->prot |= prot_of(ph);
            return 0;
        }
    }
    if (g.nregions == GUEST_MAX_REGIONS)
        return fail(err, errlen, "%s: more than %d separate segments", path, GUEST_MAX_REGIONS);
    g.region[g.nregions++] = (region_t){lo, (size_t)(hi - lo), prot_of(ph), NULL, NULL};
    return 0;
}

static int copy_segment(Elf *elf, const GElf_Phdr *ph, const char *path, char *err, size_t errlen)
{
    size_t size;
    const char *file = elf_rawfile(elf, &size);
    if (ph->p_offset + ph->p_filesz > size)
        return fail(err, errlen, "%s: the segment at 0x%08x is truncated", path, (unsigned)ph->p_vaddr);
    memcpy(guest_mem((guest_addr_t)ph->p_vaddr, ph->p_memsz), file + ph->p_offset, ph->p_filesz);
    return 0;
}

/* Maps every PT_LOAD segment where it was linked; remembers the writable
 * ones as loaded (each boot starts from them) and the executable extent. */
static int load_segments(Elf *elf, const char *path, char *err, size_t errlen)
{
    size_t nph = 0;
    elf_getphdrnum(elf, &nph);
    GElf_Phdr ph;
    for (size_t i = 0; i < nph; i++)
        if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_memsz &&
            add_segment_pages(&ph, path, err, errlen))
            return -1;
    g.code_lo = UINT32_MAX;
    for (size_t i = 0; i < g.nregions; i++) {
        region_t *r = &g.region[i];
        r->host = pages(r->size);
        if (r->prot & UC_PROT_EXEC) {
            g.code_lo = r->base < g.code_lo ? r->base : g.code_lo;
            g.code_hi = r->base + r->size > g.code_hi ? (guest_addr_t)(r->base + r->size) : g.code_hi;
        }
    }
    for (size_t i = 0; i < nph; i++)
        if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_memsz &&
            copy_segment(elf, &ph, path, err, errlen))
            return -1;
    for (size_t i = 0; i < g.nregions; i++) {
        region_t *r = &g.region[i];
        if (r->prot & UC_PROT_WRITE) {
            r->snapshot = malloc(r->size);
            memcpy(r->snapshot, r->host, r->size);
        }
    }
    return 0;
}

static void add_symbol(const char *name, guest_addr_t addr, uint32_t size)
{
    g.sym = realloc(g.sym, (g.nsym + 1) * sizeof *g.sym);
    if (!g.sym) {
        fprintf(stderr, "rtosfuzz: out of host memory for guest symbols\n");
        exit(2);
    }
    g.sym[g.nsym++] = (guest_symbol_t){strdup(name), addr, size};
}

/* A code hook serves each import: at the function of its name (a blob_link
 * stub or a firmware's own), and at every stub blob_link made for an
 * import nobody serves. One site per address. */
static void add_import_site(guest_addr_t addr, const import_t *imp, const char *name)
{
    for (size_t i = 0; i < g.nsites; i++)
        if (g.site[i].addr == addr)
            return;
    g.site = realloc(g.site, (g.nsites + 1) * sizeof *g.site);
    if (!g.site) {
        fprintf(stderr, "rtosfuzz: out of host memory for guest imports\n");
        exit(2);
    }
    g.site[g.nsites++] = (import_site_t){addr, imp, name};
}

/* Functions by name, the import sites, and the driver's own code (its
 * section in a blob_link image, else all the image's code). */
static int read_symbols(Elf *elf, const char *path, char *err, size_t errlen)
{
    size_t shstrndx;
    elf_getshdrstrndx(elf, &shstrndx);
    Elf_Scn *symtab = NULL;
    guest_addr_t stubs_lo = 0, stubs_hi = 0;
    g.driver_lo = g.code_lo;
    g.driver_hi = g.code_hi;
    for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
        GElf_Shdr sh;
        gelf_getshdr(s, &sh);
        const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
        if (sh.sh_type == SHT_SYMTAB)
            symtab = s;
        if (name && !strcmp(name, ".rtosfuzz_imports")) {
            stubs_lo = (guest_addr_t)sh.sh_addr;
            stubs_hi = (guest_addr_t)(sh.sh_addr + sh.sh_size);
        }
        if (name && !strcmp(name, ".rtosfuzz_driver")) {
            g.driver_lo = (guest_addr_t)sh.sh_addr;
            g.driver_hi = (guest_addr_t)(sh.sh_addr + sh.sh_size);
        }
    }
    if (!symtab)
        return fail(err, errlen, "%s: no symbol table: the emulator finds the driver's functions by name", path);
    GElf_Shdr sh;
    gelf_getshdr(symtab, &sh);
    Elf_Data *data = elf_getdata(symtab, NULL);
    for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
        GElf_Sym sym;
        gelf_getsym(data, (int)i, &sym);
        const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
        guest_addr_t addr = (guest_addr_t)sym.st_value & ~1u;
        if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || !name || sym.st_shndx == SHN_UNDEF)
            continue;
        add_symbol(name, addr, (uint32_t)sym.st_size);
        const import_t *imp = import_find(name);
        if (imp || (addr >= stubs_lo && addr < stubs_hi))
            add_import_site(addr, imp, g.sym[g.nsym - 1].name);
    }
    return 0;
}

bool blob_function_at(size_t i, const char **name, guest_addr_t *addr, uint32_t *size)
{
    if (i >= g.nsym)
        return false;
    *name = g.sym[i].name;
    *addr = g.sym[i].addr;
    *size = g.sym[i].size;
    return true;
}

const char *blob_function_containing(guest_addr_t a)
{
    for (size_t i = 0; i < g.nsym; i++)
        if (a >= g.sym[i].addr && a < g.sym[i].addr + g.sym[i].size)
            return g.sym[i].name;
    return NULL;
}

guest_addr_t blob_symbol(const char *name)
{
    for (size_t i = 0; i < g.nsym; i++)
        if (!strcmp(g.sym[i].name, name))
            return g.sym[i].addr;
    return 0;
}

/* Unicorn's model of the core the driver was built for (a Cortex-M4 when
 * it does not say). */
static int cpu_model_of(Elf *elf)
{
    static const struct {
        const char *cpu;
        int model;
    } models[] = {
        {"cortex-m0plus", UC_CPU_ARM_CORTEX_M0}, {"cortex-m3", UC_CPU_ARM_CORTEX_M3},
        {"cortex-m4", UC_CPU_ARM_CORTEX_M4},     {"cortex-m7", UC_CPU_ARM_CORTEX_M7},
        {"cortex-m33", UC_CPU_ARM_CORTEX_M33},
    };
    arm_attributes_t a;
    arm_attributes_read(elf, &a);
    const char *cpu = arm_attributes_cpu(&a);
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (!strcmp(models[i].cpu, cpu))
            return models[i].model;
    return UC_CPU_ARM_CORTEX_M4;
}

static int read_image(const char *path, char *err, size_t errlen)
{
    elf_version(EV_CURRENT);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fail(err, errlen, "%s: cannot open the linked driver image", path);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    GElf_Ehdr eh;
    int rc = 0;
    if (!elf || !gelf_getehdr(elf, &eh) || eh.e_machine != EM_ARM || eh.e_ident[EI_CLASS] != ELFCLASS32 ||
        eh.e_type != ET_EXEC)
        rc = fail(err, errlen, "%s: not a linked 32-bit ARM ELF", path);
    if (rc == 0)
        rc = load_segments(elf, path, err, errlen);
    if (rc == 0)
        rc = read_symbols(elf, path, err, errlen);
    if (rc == 0)
        g.cpu_model = cpu_model_of(elf);
    if (elf)
        elf_end(elf);
    close(fd);
    return rc;
}

static void add_region(guest_addr_t base, size_t size, uint32_t prot, uint8_t *host)
{
    assert(g.nregions < GUEST_MAX_REGIONS);
    g.region[g.nregions++] = (region_t){base, size, prot, host, NULL};
}

static int open_machine(char *err, size_t errlen)
{
    uc_err e = uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &g.uc);
    if (e == UC_ERR_OK)
        e = uc_ctl_set_cpu_model(g.uc, g.cpu_model);
    if (e != UC_ERR_OK)
        return fail(err, errlen, "Unicorn: %s", uc_strerror(e));
    static uint8_t trap[PAGE] __attribute__((aligned(PAGE)));
    if (g.nregions + 3 > GUEST_MAX_REGIONS)
        return fail(err, errlen, "the image has too many segments");
    add_region(GUEST_STACK_BASE, GUEST_STACK_SIZE, UC_PROT_READ | UC_PROT_WRITE, pages(GUEST_STACK_SIZE));
    add_region(GUEST_RETURN_TRAP, sizeof trap, UC_PROT_READ | UC_PROT_EXEC, trap);
    add_region(GUEST_HEAP_BASE, g.heap_len, UC_PROT_READ | UC_PROT_WRITE, g.heap);
    for (size_t i = 0; i < g.nregions; i++) {
        const region_t *r = &g.region[i];
        if ((e = uc_mem_map_ptr(g.uc, r->base, r->size, r->prot, r->host)) != UC_ERR_OK)
            return fail(err, errlen, "mapping guest 0x%08x: %s", (unsigned)r->base, uc_strerror(e));
    }
    uc_hook h;
    for (size_t i = 0; i < g.nsites; i++)
        uc_hook_add(g.uc, &h, UC_HOOK_CODE, on_import, &g.site[i], g.site[i].addr, g.site[i].addr);
    if (g.code_hi > g.code_lo)
        uc_hook_add(g.uc, &h, UC_HOOK_BLOCK, on_block, NULL, g.code_lo, g.code_hi - 1);
    uc_hook_add(g.uc, &h, UC_HOOK_MEM_INVALID, on_bad_access, NULL, 1, 0);
    uc_hook_add(g.uc, &h, UC_HOOK_CODE, on_return, NULL, GUEST_RETURN_TRAP, GUEST_RETURN_TRAP);
    for (int i = 0; i < GUEST_MAX_DEPTH; i++)
        uc_context_alloc(g.uc, &g.saved[i]);
    return 0;
}

/* RTOSFUZZ_GUEST_COVERAGE names the report file, or a directory that gets
 * one report per process (guest-<pid>.txt): test runners fork a process
 * per test, and coverage/report.py merges the directory. */
static void write_coverage_report(void)
{
    const char *where = getenv("RTOSFUZZ_GUEST_COVERAGE");
    char path[4096];
    struct stat st;
    if (stat(where, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(path, sizeof path, "%s/guest-%ld.txt", where, (long)getpid());
    else
        snprintf(path, sizeof path, "%s", where);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "rtosfuzz: cannot write the driver coverage report %s\n", path);
        return;
    }
    guest_coverage_report(f);
    fclose(f);
}

int blob_load(const char *elf_path, char *err, size_t errlen)
{
    if (g.uc)
        return fail(err, errlen, "a driver image is loaded already");
    g.heap = k_mm_default_region(&g.heap_len);
    if (read_image(elf_path, err, errlen) || open_machine(err, errlen))
        return -1;
    guest_coverage_init(elf_path, g.driver_lo, g.driver_hi);
    if (getenv("RTOSFUZZ_GUEST_COVERAGE"))
        atexit(write_coverage_report);
    return 0;
}

void blob_reset(void)
{
    for (size_t i = 0; i < g.nregions; i++)
        if (g.region[i].snapshot)
            memcpy(g.region[i].host, g.region[i].snapshot, g.region[i].size);
    g.faulted = false;
    g.prev_edge = 0;
    import_reset();
}
