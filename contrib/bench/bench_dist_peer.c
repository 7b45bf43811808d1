/* SPDX-License-Identifier: MIT */
/* bench_dist peer role (node B): receivers that check order, an echo, a ping. */
#include "bench_dist.h"

#include <stdio.h>
#include <string.h>

#define PEER_LIFETIME_MS (30 * 60 * 1000) /* a forgotten peer still ends */

static void peer_reply(snow_pid to, snow_term *msg)
{
    if (msg == NULL)
        bd_fail("peer: out of memory");
    snow_send(to, msg);
    snow_term_release(msg);
}

/* Receives {Seq, Payload} for Seq = 1..N in order, payload of `size` bytes. */
static void peer_rx(const snow_term *arg)
{
    snow_pid from = bd_elem_pid(arg, 0);
    int64_t n = bd_elem_int(arg, 1), size = bd_elem_int(arg, 2);
    if (snow_register("bench_rx", snow_self()) != 0)
        bd_fail("peer: bench_rx already registered");
    peer_reply(from, snow_tuple(3, snow_atom("rx_ready"), snow_pid_term(snow_self()),
                                snow_int(bd_cpu_us())));
    for (int64_t seq = 1; seq <= n; seq++) {
        snow_term *m;
        if (snow_receive(BD_WAIT_MS, &m) != 0)
            bd_fail("peer: receiver timed out at %lld of %lld", (long long)seq, (long long)n);
        const snow_term *p;
        const void *data;
        size_t len = 0;
        if (bd_elem_int(m, 0) != seq || snow_term_elem(m, 1, &p) != 0 ||
            snow_term_binary(p, &data, &len) != 0 || (int64_t)len != size)
            bd_fail("peer: message %lld out of order or of the wrong size", (long long)seq);
        snow_term_release(m);
    }
    snow_unregister("bench_rx");
    peer_reply(from, snow_tuple(3, snow_atom("rx_done"), snow_int(n), snow_int(bd_cpu_us())));
}

/* Sends every message back to the pinger until `stop`. */
static void peer_echo(const snow_term *arg)
{
    snow_pid pinger;
    if (snow_term_pid(arg, &pinger) != 0)
        return;
    peer_reply(pinger, snow_tuple(2, snow_atom("echo_ready"), snow_pid_term(snow_self())));
    for (;;) {
        snow_term *m;
        if (snow_receive(BD_WAIT_MS, &m) != 0)
            return;
        if (snow_term_is_atom(m, "stop")) {
            snow_term_release(m);
            return;
        }
        snow_send(pinger, m);
        snow_term_release(m);
    }
}

static void peer_spawn(snow_proc_fn fn, snow_term *arg)
{
    snow_pid pid;
    if (arg == NULL || snow_spawn(fn, arg, &pid) != 0)
        bd_fail("peer: spawn failed");
    snow_term_release(arg);
}

/* The control process "bench_ctl": serves requests until `stop`. */
static void peer_ctl(const snow_term *arg)
{
    (void)arg;
    for (;;) {
        snow_term *m;
        if (snow_receive(PEER_LIFETIME_MS, &m) != 0)
            return;
        if (snow_term_is_atom(m, "stop")) {
            snow_term_release(m);
            return;
        }
        const snow_term *from;
        if (snow_term_is_tuple_tagged(m, 4, "rx") && snow_term_elem(m, 1, &from) == 0) {
            peer_spawn(peer_rx, snow_tuple(3, snow_term_ref((snow_term *)from),
                                           snow_int(bd_elem_int(m, 2)),
                                           snow_int(bd_elem_int(m, 3))));
        } else if (snow_term_is_tuple_tagged(m, 2, "echo") && snow_term_elem(m, 1, &from) == 0) {
            peer_spawn(peer_echo, snow_term_ref((snow_term *)from));
        } else if (snow_term_is_tuple_tagged(m, 2, "ping")) {
            peer_reply(bd_elem_pid(m, 1), snow_atom("pong"));
        }
        snow_term_release(m);
    }
}

int bd_peer_main(const struct bd_args *a)
{
    bd_node_up(a);
    snow_pid ctl;
    if (snow_spawn(peer_ctl, NULL, &ctl) != 0 || snow_register("bench_ctl", ctl) != 0)
        bd_fail("peer: cannot start bench_ctl");
    if (a->ready) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s.tmp", a->ready);
        FILE *f = fopen(tmp, "w");
        if (f == NULL || fprintf(f, "%s\n", snow_node_address()) < 0 || fclose(f) != 0 ||
            rename(tmp, a->ready) != 0)
            bd_fail("peer: cannot write %s", a->ready);
    }
    snow_join(ctl, PEER_LIFETIME_MS, NULL);
    snow_node_stop();
    snow_shutdown();
    return 0;
}
