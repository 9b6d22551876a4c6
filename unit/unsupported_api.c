/* Compiled by the CTest aos.unsupported_call_fails_naming_the_function:
 * a driver calling an aos function the host does not provide must fail to
 * build with a message naming that function. Not part of any target. */
#include "aos/kernel.h"

static void worker(void *arg) { (void)arg; }

int start_worker(void) { return aos_task_new("worker", worker, 0, 1024); }
