/* blob_link: links a Cortex-M driver (static library, relocatable object)
 * into an image the emulator loads (emu/blob.c).
 *
 *   blob_link --blob IN --out OUT.elf --work DIR --cc GCC --ld LD
 *             --objcopy OBJCOPY --script guest.ld [--stubs FILE]
 *
 * 1. every member of IN, linked relocatably into one object;
 * 2. its undefined functions the emulator serves (emu/imports.c) get an
 *    import stub: a 4-byte slot in .rtosfuzz_imports, which the host
 *    hooks; those FILE declares (`name = value` per line, # comments) get
 *    a stub returning that constant;
 * 3. newlib-nano and libgcc, of the multilib the driver's build attributes
 *    name (its CPU, hard or soft float), resolve what they can (memcpy,
 *    __aeabi_*);
 * 4. what is left is listed by name: unsupported imports get a slot too,
 *    and calling one is a driver fault;
 * 5. the final link at the guest's addresses (guest.ld), without the ARM
 *    mapping symbols ($t, $d), which would otherwise name code in reports.
 * A linked firmware image (ET_EXEC) is taken as it is: the host serves its
 * functions named like imports where they are.
 * Exit status 0, or 1 with a message naming the input and the step. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arm_attributes.h"
#include "imports.h"

extern char **environ;

#define MAX_NAMES 4096
#define MAX_FLAGS 4

typedef struct {
    char *name[MAX_NAMES];
    long value[MAX_NAMES]; /* for constants */
    size_t n;
} names_t;

static struct {
    const char *blob, *out, *work, *cc, *ld, *objcopy, *script, *stubs;
    char *target[MAX_FLAGS]; /* gcc's -mcpu and float ABI for the driver */
    char lib[2][4096];       /* its libc_nano.a and libgcc.a */
} opt;

static void die(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "blob_link: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    exit(1);
}

static void add_name(names_t *s, const char *name, long value)
{
    if (s->n == MAX_NAMES)
        die("%s: more than 4096 imports%s", opt.blob, "");
    s->name[s->n] = strdup(name);
    s->value[s->n++] = value;
}

static const names_t *find_in(const names_t *s, const char *name, size_t *at)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name)) {
            *at = i;
            return s;
        }
    return NULL;
}

static void run(char *const argv[])
{
    pid_t pid;
    int status;
    if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0 || waitpid(pid, &status, 0) < 0 ||
        !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "blob_link: failed:");
        for (int i = 0; argv[i]; i++)
            fprintf(stderr, " %s", argv[i]);
        fputc('\n', stderr);
        exit(1);
    }
}

/* Runs argv and returns the first line it prints (in a static buffer). */
static const char *first_line_of(char *const argv[])
{
    static char line[4096];
    int fd[2];
    pid_t pid;
    posix_spawn_file_actions_t fa;
    if (pipe(fd) != 0)
        die("cannot make a pipe for %s%s", argv[0], "");
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    bool got = f && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    int status = 0;
    if (err != 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !got)
        die("failed: %s %s", argv[0], argv[1]);
    line[strcspn(line, "\n")] = '\0';
    return line;
}

/* gcc's flags and libraries for the CPU and float ABI the driver was built
 * for. */
static void choose_target(const char *obj)
{
    int fd = open(obj, O_RDONLY);
    Elf *elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ, NULL);
    arm_attributes_t a;
    if (!elf || !arm_attributes_read(elf, &a))
        memset(&a, 0, sizeof a); /* no attributes: the default, a Cortex-M4 */
    static char cpu[64];
    snprintf(cpu, sizeof cpu, "-mcpu=%s", arm_attributes_cpu(&a));
    int n = 0;
    opt.target[n++] = cpu;
    opt.target[n++] = "-mthumb";
    opt.target[n++] = a.vfp_args ? "-mfloat-abi=hard" : "-mfloat-abi=soft";
    opt.target[n] = NULL;
    char *libc[] = {(char *)opt.cc, opt.target[0], opt.target[1], opt.target[2], "--specs=nano.specs",
                    "-print-file-name=libc_nano.a", NULL};
    char *libgcc[] = {(char *)opt.cc, opt.target[0], opt.target[1], opt.target[2], "-print-libgcc-file-name", NULL};
    snprintf(opt.lib[0], sizeof opt.lib[0], "%s", first_line_of(libc));
    snprintf(opt.lib[1], sizeof opt.lib[1], "%s", first_line_of(libgcc));
    if (elf)
        elf_end(elf);
    if (fd >= 0)
        close(fd);
}

static char *work_file(const char *name)
{
    static char buf[8][4096];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", opt.work, name);
    return p;
}

/* Global (and, with weak, also weak) undefined symbols of a relocatable object. */
static void undefined_of(const char *path, names_t *out, bool weak)
{
    int fd = open(path, O_RDONLY);
    Elf *elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ, NULL);
    GElf_Ehdr eh;
    if (!elf || !gelf_getehdr(elf, &eh))
        die("%s: cannot read%s", path, "");
    if (eh.e_machine != EM_ARM || eh.e_ident[EI_CLASS] != ELFCLASS32)
        die("%s: not 32-bit ARM code (EM_ARM)%s", opt.blob, "");
    for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
        GElf_Shdr sh;
        gelf_getshdr(s, &sh);
        Elf_Data *data = sh.sh_type == SHT_SYMTAB ? elf_getdata(s, NULL) : NULL;
        for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Sym sym;
            gelf_getsym(data, (int)i, &sym);
            int bind = GELF_ST_BIND(sym.st_info);
            const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
            if (sym.st_shndx == SHN_UNDEF && name && name[0] && (bind == STB_GLOBAL || (weak && bind == STB_WEAK)))
                add_name(out, name, 0);
        }
    }
    elf_end(elf);
    close(fd);
}

/* `name = value` lines; # starts a comment. */
static void read_constants(const char *path, names_t *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("%s: cannot open the constant stubs file%s", path, "");
    char line[512];
    for (int no = 1; fgets(line, sizeof line, f); no++) {
        line[strcspn(line, "#\r\n")] = '\0';
        char name[256], rest[256];
        char *end;
        int fields = sscanf(line, " %255[A-Za-z0-9_$.] = %255s", name, rest);
        if (fields <= 0 || (fields == EOF))
            continue;
        errno = 0;
        long v = fields == 2 ? strtol(rest, &end, 0) : 0;
        if (fields != 2 || *end || errno) {
            char where[32];
            snprintf(where, sizeof where, "%d", no);
            fclose(f);
            die("%s:%s: expected `name = integer`", path, where);
        }
        add_name(out, name, v);
    }
    fclose(f);
}

static void slot(FILE *s, const char *name)
{
    fprintf(s, "  .balign 4\n  .global %s\n  .type %s, %%function\n  .thumb_func\n%s:\n  bx lr\n", name, name, name);
}

static void constant(FILE *s, const char *name, long value)
{
    fprintf(s, "  .balign 4\n  .global %s\n  .type %s, %%function\n  .thumb_func\n%s:\n  ldr r0, 1f\n  bx lr\n"
               "  .balign 4\n1: .word %ld\n",
            name, name, name, value);
}

/* Stubs for the imports in `want` (slots) and `consts` among `undef`. */
static const char *write_stubs(const char *file, const names_t *undef, const names_t *consts, const names_t *unsupported)
{
    char *path = work_file(file);
    FILE *s = fopen(path, "w");
    if (!s)
        die("%s: cannot write%s", path, "");
    fprintf(s, "  .syntax unified\n  .thumb\n  .section .rtosfuzz_imports, \"ax\", %%progbits\n"
               "  .global __rtosfuzz_imports_start\n__rtosfuzz_imports_start:\n");
    size_t at;
    for (size_t i = 0; i < undef->n; i++)
        if (import_find(undef->name[i]))
            slot(s, undef->name[i]);
    for (size_t i = 0; unsupported && i < unsupported->n; i++)
        slot(s, unsupported->name[i]);
    fprintf(s, "  .section .text.rtosfuzz_constants, \"ax\", %%progbits\n");
    for (size_t i = 0; i < undef->n; i++)
        if (!import_find(undef->name[i]) && find_in(consts, undef->name[i], &at))
            constant(s, undef->name[i], consts->value[at]);
    fclose(s);
    char *obj = work_file(file);
    strcpy(obj + strlen(obj) - 1, "o");
    char *argv[] = {(char *)opt.cc, opt.target[0], opt.target[1], opt.target[2], "-c", path, "-o", obj, NULL};
    run(argv);
    return obj;
}

static void link_with_libs(const char *first, const char *stubs, const char *out, bool final)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)opt.ld;
    if (final) {
        argv[n++] = "-T";
        argv[n++] = (char *)opt.script;
    } else {
        argv[n++] = "-r";
    }
    argv[n++] = "-o";
    argv[n++] = (char *)out;
    argv[n++] = (char *)first;
    argv[n++] = (char *)stubs;
    argv[n++] = "--start-group";
    argv[n++] = opt.lib[0];
    argv[n++] = opt.lib[1];
    argv[n++] = "--end-group";
    argv[n] = NULL;
    run(argv);
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--blob")) opt.blob = v;
        else if (!strcmp(k, "--out")) opt.out = v;
        else if (!strcmp(k, "--work")) opt.work = v;
        else if (!strcmp(k, "--cc")) opt.cc = v;
        else if (!strcmp(k, "--ld")) opt.ld = v;
        else if (!strcmp(k, "--objcopy")) opt.objcopy = v;
        else if (!strcmp(k, "--script")) opt.script = v;
        else if (!strcmp(k, "--stubs")) opt.stubs = v[0] ? v : NULL;
        else die("unknown option %s%s", k, "");
    }
    if (!opt.blob || !opt.out || !opt.work || !opt.cc || !opt.ld || !opt.objcopy || !opt.script)
        die("usage: blob_link --blob IN --out OUT.elf --work DIR --cc GCC --ld LD --objcopy OBJCOPY --script guest.ld "
            "[--stubs FILE]%s%s", "", "");
}

/* The input's ELF type: ET_REL for an object (an archive counts as one),
 * ET_EXEC for a linked firmware image. */
static int input_type(void)
{
    int fd = open(opt.blob, O_RDONLY);
    Elf *elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ, NULL);
    GElf_Ehdr eh;
    if (fd < 0)
        die("%s: cannot open%s", opt.blob, "");
    int type = elf && elf_kind(elf) == ELF_K_ELF && gelf_getehdr(elf, &eh) ? eh.e_type : ET_REL;
    if (elf)
        elf_end(elf);
    close(fd);
    if (type != ET_REL && type != ET_EXEC)
        die("%s: not a driver library, object or firmware image%s", opt.blob, "");
    return type;
}

/* A firmware image is linked already: its functions named like imports are
 * served by the host where they are (emu/blob.c); only the ARM mapping
 * symbols go. */
static void take_firmware_image(void)
{
    char *copy[] = {(char *)opt.objcopy, "--wildcard", "--strip-symbol=$*", (char *)opt.blob, (char *)opt.out, NULL};
    run(copy);
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    elf_version(EV_CURRENT);
    if (input_type() == ET_EXEC) {
        take_firmware_image();
        return 0;
    }
    char *all = work_file("rtosfuzz-driver.o"); /* the name guest.ld knows the driver's code by */
    char *whole[] = {(char *)opt.ld, "-r", "-o", all, "--whole-archive", (char *)opt.blob, "--no-whole-archive", NULL};
    run(whole);
    choose_target(all);
    static names_t undef, consts, left, unsupported;
    undefined_of(all, &undef, true);
    if (opt.stubs)
        read_constants(opt.stubs, &consts);
    const char *stubs = write_stubs("imports-pass.S", &undef, &consts, NULL);
    char *pass = work_file("pass.o");
    link_with_libs(all, stubs, pass, false);
    undefined_of(pass, &left, false);
    size_t at;
    for (size_t i = 0; i < left.n; i++)
        if (!import_find(left.name[i]) && !find_in(&consts, left.name[i], &at))
            add_name(&unsupported, left.name[i], 0);
    if (unsupported.n) {
        fprintf(stderr, "blob_link: %s imports %zu function%s the emulator does not serve (calling one is a driver "
                        "fault; give it a constant result in a stubs file, `name = value`):",
                opt.blob, unsupported.n, unsupported.n == 1 ? "" : "s");
        for (size_t i = 0; i < unsupported.n; i++)
            fprintf(stderr, " %s", unsupported.name[i]);
        fputc('\n', stderr);
    }
    stubs = write_stubs("imports.S", &undef, &consts, &unsupported);
    link_with_libs(all, stubs, opt.out, true);
    char *unmapped[] = {(char *)opt.objcopy, "--wildcard", "--strip-symbol=$*", (char *)opt.out, NULL};
    run(unmapped);
    return 0;
}
