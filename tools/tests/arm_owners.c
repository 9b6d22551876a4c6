/* A Cortex-M4 (Thumb) program that is never run: mmdump's foreign-
 * architecture test symbolizes owners against this ELF. Each allocating
 * call is a `bl` followed by a label, so the test reads the exact return
 * address a device would record (the label, with the Thumb bit set) from
 * the symbol table; the statement after each call sits on the next line,
 * so symbolizing the return address itself would name the wrong line. */
#define CALL_ALLOC_THEN(label) \
    __asm__ volatile("bl arm_alloc\n" #label ":" ::: "r0", "r1", "r2", "r3", "r12", "lr", "cc", "memory")

volatile int g_link_state;

__attribute__((used, noinline)) void *arm_alloc(void) { return 0; }

void vendor_connect(void)
{
    CALL_ALLOC_THEN(ret_vendor_connect); /* call site: arm connect */
    g_link_state = 1;
}

void wifi_scan(void)
{
    CALL_ALLOC_THEN(ret_wifi_scan); /* call site: arm scan */
    g_link_state = 2;
}

void _start(void)
{
    vendor_connect();
    wifi_scan();
    for (;;)
        ;
}
