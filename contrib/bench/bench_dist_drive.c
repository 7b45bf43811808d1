/* SPDX-License-Identifier: MIT */
/* bench_dist drive role (node A): R1/R2 one-way throughput and R3 ping-pong against a peer. */
#include "bench_dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PP_WARMUP 2000

static const struct bd_args *drive_args;

static void drive_send_ctl(snow_term *msg)
{
    if (msg == NULL)
        bd_fail("drive: out of memory");
    int rc = snow_send_named("bench_ctl", bd_peer_node(drive_args), msg);
    snow_term_release(msg);
    if (rc != 0)
        bd_fail("drive: send to bench_ctl: %s", snow_strerror_name(rc));
}

/* Waits for a tuple tagged `tag`, failing on anything else. */
static snow_term *drive_expect(const char *tag, size_t arity)
{
    snow_term *m = bd_recv();
    if (!snow_term_is_tuple_tagged(m, arity, tag)) {
        char *txt = snow_term_format_alloc(m);
        bd_fail("drive: expected %s, got %s", tag, txt ? txt : "?");
    }
    return m;
}

struct tp_result {
    int64_t ns;
    int64_t cpu_us; /* both nodes */
};

/* One timed run: N x {Seq, payload} to the registered receiver on B. */
static struct tp_result drive_tp_once(snow_term *payload, long n, size_t size)
{
    const char *node = bd_peer_node(drive_args);
    drive_send_ctl(snow_tuple(4, snow_atom("rx"), snow_pid_term(snow_self()), snow_int(n),
                              snow_int((int64_t)size)));
    snow_term *ready = drive_expect("rx_ready", 3);
    int64_t cpu_b0 = bd_elem_int(ready, 2);
    snow_term_release(ready);
    int64_t cpu_a0 = bd_cpu_us();
    int64_t t0 = bd_now_ns();
    for (long seq = 1; seq <= n; seq++) {
        snow_term *m = snow_tuple(2, snow_int(seq), snow_term_ref(payload));
        if (m == NULL)
            bd_fail("drive: out of memory");
        int rc = snow_send_named("bench_rx", node, m);
        snow_term_release(m);
        if (rc != 0)
            bd_fail("drive: send %ld: %s", seq, snow_strerror_name(rc));
    }
    snow_term *done = drive_expect("rx_done", 3);
    struct tp_result r = {.ns = bd_now_ns() - t0};
    if (bd_elem_int(done, 1) != n)
        bd_fail("drive: receiver counted %lld of %ld", (long long)bd_elem_int(done, 1), n);
    r.cpu_us = (bd_cpu_us() - cpu_a0) + (bd_elem_int(done, 2) - cpu_b0);
    snow_term_release(done);
    return r;
}

static void drive_tp(const char *what, long n, size_t size, char fill)
{
    char *buf = malloc(size);
    if (buf == NULL)
        bd_fail("drive: out of memory");
    if (size == 11)
        memcpy(buf, "hello world", 11);
    else
        memset(buf, fill, size);
    snow_term *payload = snow_binary(buf, size);
    free(buf);
    drive_tp_once(payload, n / 10 > 0 ? n / 10 : 1, size); /* warm-up */
    char row[256];
    for (int i = 0; i < drive_args->reps; i++) {
        struct tp_result r = drive_tp_once(payload, n, size);
        double s = (double)r.ns / 1e9;
        snprintf(row, sizeof row, "%s %s one-way %s", size > 11 ? "R2" : "R1", drive_args->label,
                 what);
        bd_sample(row, "msgs/s", (double)n / s);
        if (size > 11)
            bd_sample(row, "MB/s", (double)n * (double)size / s / 1e6);
        snprintf(row, sizeof row, "%s %s one-way %s: CPU both nodes",
                 size > 11 ? "R2" : "R1", drive_args->label, what);
        bd_sample(row, "us/msg", (double)r.cpu_us / (double)n);
    }
    snow_term_release(payload);
}

/* K sequential round trips; per-trip times into lat (may be NULL). */
static int64_t drive_pp_once(snow_pid echo, snow_term *payload, long k, int64_t *lat)
{
    int64_t start = bd_now_ns();
    for (long seq = 1; seq <= k; seq++) {
        snow_term *m = snow_tuple(2, snow_int(seq), snow_term_ref(payload));
        if (m == NULL)
            bd_fail("drive: out of memory");
        int64_t t0 = bd_now_ns();
        int rc = snow_send(echo, m);
        snow_term_release(m);
        if (rc != 0)
            bd_fail("drive: send to echo: %s", snow_strerror_name(rc));
        snow_term *back = bd_recv();
        int64_t t1 = bd_now_ns();
        if (bd_elem_int(back, 0) != seq)
            bd_fail("drive: echo returned the wrong message at %ld", seq);
        snow_term_release(back);
        if (lat)
            lat[seq - 1] = t1 - t0;
    }
    return bd_now_ns() - start;
}

static void drive_pp(const char *placement)
{
    drive_send_ctl(snow_tuple(2, snow_atom("echo"), snow_pid_term(snow_self())));
    snow_term *ready = drive_expect("echo_ready", 2);
    snow_pid echo = bd_elem_pid(ready, 1);
    snow_term_release(ready);
    snow_term *payload = snow_binary("hello world", 11);
    long trips = drive_args->count > 0 ? drive_args->count : 100000;
    int64_t *lat = malloc(sizeof *lat * (size_t)trips);
    if (lat == NULL || payload == NULL)
        bd_fail("drive: out of memory");
    drive_pp_once(echo, payload, PP_WARMUP, NULL);
    char row[256];
    for (int i = 0; i < drive_args->reps; i++) {
        int64_t ns = drive_pp_once(echo, payload, trips, lat);
        snprintf(row, sizeof row, "R3 %s %s ping-pong", drive_args->label, placement);
        bd_sample(row, "round-trips/s", (double)trips / ((double)ns / 1e9));
        snprintf(row, sizeof row, "R3 %s %s ping-pong p50", drive_args->label, placement);
        bd_sample(row, "us", bd_pct(lat, (size_t)trips, 0.50) / 1e3);
        snprintf(row, sizeof row, "R3 %s %s ping-pong p99", drive_args->label, placement);
        bd_sample(row, "us", bd_pct(lat, (size_t)trips, 0.99) / 1e3);
    }
    free(lat);
    snow_term *stop = snow_atom("stop");
    snow_send(echo, stop);
    snow_term_release(payload);
}

static void drive_main(const snow_term *arg)
{
    (void)arg;
    if (strcmp(drive_args->what, "r1") == 0) {
        drive_tp("{Seq,<<11 B>>} x1M", 1000000, 11, 0);
    } else if (strcmp(drive_args->what, "r2") == 0) {
        drive_tp("1 KiB x200k", 200000, 1024, 'x');
        drive_tp("64 KiB x10k", 10000, 65536, 'y');
    } else if (strcmp(drive_args->what, "lat") != 0) {
        drive_tp("{Seq,<<11 B>>} x1M", 1000000, 11, 0);
        drive_tp("1 KiB x200k", 200000, 1024, 'x');
        drive_tp("64 KiB x10k", 10000, 65536, 'y');
        drive_pp("unpinned");
    } else {
        drive_pp("pinned to CPU 0");
    }
    drive_send_ctl(snow_atom("stop"));
}

int bd_drive_main(const struct bd_args *a)
{
    drive_args = a;
    bd_node_up(a);
    int rc = snow_node_connect(a->peer);
    if (rc != 0)
        bd_fail("drive: connect %s: %s: %s", a->peer, snow_strerror_name(rc),
                snow_node_last_error());
    snow_pid pid;
    if (snow_spawn(drive_main, NULL, &pid) != 0)
        bd_fail("drive: spawn");
    if (snow_join(pid, 30 * 60 * 1000, NULL) != 0)
        bd_fail("drive: did not finish");
    snow_node_stop();
    snow_shutdown();
    return 0;
}
