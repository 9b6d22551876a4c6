/* Guest code coverage: a bitmap over the driver's code, and its report
 * with elfutils libdw (line tables of the linked image). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_coverage.h"

static struct {
    const char *image;
    guest_addr_t lo, hi;
    uint8_t *ran; /* a bit per halfword */
} g_cov;

void guest_coverage_init(const char *elf_path, guest_addr_t lo, guest_addr_t hi)
{
    g_cov.image = elf_path;
    g_cov.lo = lo;
    g_cov.hi = hi;
    free(g_cov.ran);
    g_cov.ran = calloc((hi - lo) / 16 + 1, 1);
}

void guest_coverage_mark(guest_addr_t addr, uint32_t size)
{
    for (guest_addr_t a = addr; a < addr + size && a >= g_cov.lo && a < g_cov.hi; a += 2) {
        size_t bit = (a - g_cov.lo) / 2;
        g_cov.ran[bit / 8] |= (uint8_t)(1u << bit % 8);
    }
}

static bool ran(guest_addr_t a)
{
    size_t bit = (a - g_cov.lo) / 2;
    return a >= g_cov.lo && a < g_cov.hi && g_cov.ran[bit / 8] & 1u << bit % 8;
}

static bool any_ran(guest_addr_t lo, guest_addr_t hi)
{
    for (guest_addr_t a = lo; a < hi; a += 2)
        if (ran(a))
            return true;
    return false;
}

/* One source line of the driver: reached when any of its line-table
 * addresses ran. */
typedef struct {
    const char *file;
    int line;
    bool reached;
} src_line_t;

static int by_file_and_line(const void *a, const void *b)
{
    const src_line_t *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    return c ? c : x->line - y->line;
}

/* The driver's source lines (within [lo, hi)), merged per file:line. */
static src_line_t *driver_lines(Dwarf *dw, size_t *n)
{
    src_line_t *v = NULL;
    size_t cap = 0;
    *n = 0;
    Dwarf_Off off = 0, next;
    size_t hdr;
    while (dwarf_nextcu(dw, off, &next, &hdr, NULL, NULL, NULL) == 0) {
        Dwarf_Die cu;
        Dwarf_Lines *lines;
        size_t nlines;
        if (dwarf_offdie(dw, off + hdr, &cu) && dwarf_getsrclines(&cu, &lines, &nlines) == 0)
            for (size_t i = 0; i < nlines; i++) {
                Dwarf_Line *l = dwarf_onesrcline(lines, i);
                Dwarf_Addr addr;
                int lineno;
                const char *file = dwarf_linesrc(l, NULL, NULL);
                bool end;
                if (!file || dwarf_lineaddr(l, &addr) || dwarf_lineno(l, &lineno) || dwarf_lineendsequence(l, &end) ||
                    end || addr < g_cov.lo || addr >= g_cov.hi)
                    continue;
                if (*n == cap && !(v = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof *v)))
                    return NULL;
                v[(*n)++] = (src_line_t){file, lineno, ran((guest_addr_t)addr)};
            }
        off = next;
    }
    qsort(v, *n, sizeof *v, by_file_and_line);
    size_t m = 0;
    for (size_t i = 0; i < *n; i++) {
        if (m && !by_file_and_line(&v[m - 1], &v[i]))
            v[m - 1].reached |= v[i].reached;
        else
            v[m++] = v[i];
    }
    *n = m;
    return v;
}

void guest_coverage_report(FILE *out)
{
    size_t fns = 0, fns_reached = 0, nlines = 0, lines_reached = 0;
    const char *name;
    guest_addr_t addr;
    uint32_t size;
    for (size_t i = 0; blob_function_at(i, &name, &addr, &size); i++) {
        if (addr < g_cov.lo || addr >= g_cov.hi)
            continue;
        bool reached = any_ran(addr, addr + (size ? size : 2));
        fns++;
        fns_reached += reached;
        fprintf(out, "function %s %s\n", reached ? "reached" : "unreached", name);
    }
    int fd = open(g_cov.image, O_RDONLY);
    Dwarf *dw = fd < 0 ? NULL : dwarf_begin(fd, DWARF_C_READ);
    src_line_t *lines = dw ? driver_lines(dw, &nlines) : NULL;
    for (size_t i = 0; lines && i < nlines; i++) {
        lines_reached += lines[i].reached;
        if (!lines[i].reached)
            fprintf(out, "line unreached %s:%d\n", lines[i].file, lines[i].line);
    }
    fprintf(out, "summary functions %zu/%zu lines %zu/%zu\n", fns_reached, fns, lines_reached, lines ? nlines : 0);
    free(lines);
    if (dw)
        dwarf_end(dw);
    if (fd >= 0)
        close(fd);
}
