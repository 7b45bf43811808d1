/* SPDX-License-Identifier: MIT */
/* Liveness: ticks on quiet links, silent peers declared down, handshake deadlines. */
#include "dist.h"

#include <event2/event.h>

#include "io_thread.h"

/*
 * One timer for every connection, firing a few times per tick interval:
 * cheap with the 3-20 nodes Snow targets. A peer that sent nothing (not
 * even a tick) for the whole interval is down (NODE-08); we send a tick on
 * any link we have not written to for a quarter of it, so a healthy idle
 * peer never looks silent. A connection still in its handshake after the
 * handshake deadline is closed (a silent or slow client cannot hold a slot).
 */

static uint32_t tick_period_ms(void)
{
    uint32_t p = sk_dist.tick_ms / 4;
    if (sk_dist.handshake_ms / 4 < p)
        p = sk_dist.handshake_ms / 4;
    return p < 10 ? 10 : p;
}

static void tick_check(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    int64_t now = (int64_t)sk_now_ns();
    sk_dist_parked_complete(NULL, false);
    int64_t tick_ns = (int64_t)sk_dist.tick_ms * 1000000;
    int64_t hs_ns = (int64_t)sk_dist.handshake_ms * 1000000;
    snow_conn *next;
    for (snow_conn *c = sk_dist.conns; c; c = next) {
        next = c->next; /* closing unlinks c */
        if (c->state == SK_CONN_UP) {
            if (now - c->last_recv_ns > tick_ns) {
                sk_dconn_close(c, SNOW_ETIMEDOUT, "no traffic for %u ms (tick timeout)",
                               (unsigned)sk_dist.tick_ms);
                continue;
            }
            if (now - c->last_send_ns > tick_ns / 4 && c->node) {
                /* through the node buffer, so it stays behind queued frames */
                sk_dout_tick(c->node);
            }
        } else if (c->state != SK_CONN_CLOSED && now - c->started_ns > hs_ns) {
            sk_dconn_close(c, SNOW_ETIMEDOUT, "handshake not finished within %u ms",
                           (unsigned)sk_dist.handshake_ms);
        }
    }
}

int sk_dtick_start(void)
{
    sk_dist.tick_ev = event_new(sk_io_base(), -1, EV_PERSIST, tick_check, NULL);
    if (sk_dist.tick_ev == NULL)
        return SNOW_ENOMEM;
    uint32_t p = tick_period_ms();
    struct timeval tv = {p / 1000, (p % 1000) * 1000};
    return event_add(sk_dist.tick_ev, &tv) == 0 ? 0 : SNOW_ENOMEM;
}

void sk_dtick_stop(void)
{
    if (sk_dist.tick_ev) {
        event_free(sk_dist.tick_ev);
        sk_dist.tick_ev = NULL;
    }
}
