/* The simulated vendor wifi driver's test-facing side: its station state
 * and the simulated access point, for tests and harnesses. */
#ifndef WIFI_SIM_H
#define WIFI_SIM_H

#include <stdbool.h>

#include "k_timer.h"
#include "wifi_driver.h"

typedef enum { WIFI_IDLE, WIFI_CONNECTING, WIFI_CONNECTED, WIFI_SUSPENDED } wifi_state_t;

/* Delays of the connect sequence, in ticks. */
#define WIFI_SCAN_TICKS 20u
#define WIFI_AUTH_TICKS 10u
#define WIFI_ASSOC_TICKS 10u
#define WIFI_DHCP_RETRY_TICKS 100u
#define WIFI_DHCP_TRIES 2
#define WIFI_BEACON_CHECK_TICKS 200u
#define WIFI_CLEANUP_TICKS 50u

wifi_state_t wifi_sim_state(void);
const char *wifi_sim_state_name(wifi_state_t s);
/* The access point: powering it off makes scans fail and, once connected,
 * the beacon monitor notice the loss and go back to scanning. */
void wifi_sim_ap_power(bool on);
/* The driver's name for one of its timers ("wifi_dhcp", "wifi_scan", ...):
 * the rhino name, or for its aos timers (all named "AOS") the role. */
const char *wifi_sim_timer_name(const ktimer_t *t);
/* The function that creates the beacon-loss monitor timer — the owner the
 * heap dump must name for the vendor driver's leaked timer. */
kstat_t wifi_sim_start_beacon_monitor(ktimer_t **t);

#endif
