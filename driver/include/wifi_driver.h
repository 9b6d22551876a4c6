/* The driver contract (docs/DESIGN.md, "Layout"): what every wifi driver under
 * test implements, using only the public kernel API.
 *
 * After hal_wifi_suspend_station() returns and the system has settled (the
 * timer queue drained, the driver's pending timers run, at most
 * RTOSFUZZ_SETTLE_TICKS), everything the driver allocated since
 * hal_wifi_init() — heap blocks, pool blocks, timers — is freed and none of
 * its timers is active. A connect that fails leaves nothing behind either. */
#ifndef WIFI_DRIVER_H
#define WIFI_DRIVER_H

#define WIFI_ERR_NOMEM (-12) /* an allocation failed; everything was unwound */
#define WIFI_ERR_BUSY (-16)  /* the timer service refused a command */

/* Optional: runs once before anything else; what it allocates is the
 * driver's baseline. A driver without it gets a no-op. */
int hal_wifi_init(void);
/* Connect (or reconnect: an existing link is torn down first). 0 or a
 * negative error. */
int netmgr_reconnect_wifi(void);
/* Disconnect; m may be NULL. Suspending a suspended or idle station is a
 * no-op returning 0. */
int hal_wifi_suspend_station(void *m);

#endif
