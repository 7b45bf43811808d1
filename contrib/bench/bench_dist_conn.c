/* SPDX-License-Identifier: MIT */
/* bench_dist conn role: one fresh node times its first connect (+TLS +auth) to the peer. */
#include "bench_dist.h"

#include <stdio.h>

static const struct bd_args *conn_args;

/* One named request/reply round trip over the new connection. */
static void conn_ping(const snow_term *arg)
{
    (void)arg;
    snow_term *m = snow_tuple(2, snow_atom("ping"), snow_pid_term(snow_self()));
    if (m == NULL || snow_send_named("bench_ctl", bd_peer_node(conn_args), m) != 0)
        bd_fail("conn: ping not sent");
    snow_term_release(m);
    snow_term *r = bd_recv();
    if (!snow_term_is_atom(r, "pong"))
        bd_fail("conn: expected pong");
    snow_term_release(r);
}

int bd_conn_main(const struct bd_args *a)
{
    conn_args = a;
    bd_node_up(a);
    int64_t t0 = bd_now_ns();
    int rc = snow_node_connect(a->peer);
    int64_t t1 = bd_now_ns();
    if (rc != 0)
        bd_fail("conn: connect %s: %s: %s", a->peer, snow_strerror_name(rc),
                snow_node_last_error());
    snow_pid pid;
    if (snow_spawn(conn_ping, NULL, &pid) != 0 || snow_join(pid, BD_WAIT_MS, NULL) != 0)
        bd_fail("conn: ping process");
    int64_t t2 = bd_now_ns();
    char row[256];
    snprintf(row, sizeof row, "R4 %s fresh node: connect (transport+handshake+auth)", a->label);
    bd_sample(row, "ms", (double)(t1 - t0) / 1e6);
    snprintf(row, sizeof row, "R4 %s fresh node: connect + first request/reply", a->label);
    bd_sample(row, "ms", (double)(t2 - t0) / 1e6);
    snow_node_stop();
    snow_shutdown();
    return 0;
}
