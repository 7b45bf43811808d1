/* SPDX-License-Identifier: MIT */
/* bench_dist: roles of the distribution benchmark and the helpers they share. */
#ifndef BENCH_DIST_H
#define BENCH_DIST_H

#include <stddef.h>
#include <stdint.h>

#include <snow/node.h>
#include <snow/snow.h>

/* Command-line settings shared by every role. */
struct bd_args {
    const char *name;      /* this node: alive@127.0.0.1 */
    const char *peer;      /* the peer: alive@127.0.0.1:port */
    const char *plugins;   /* plugin list file */
    const char *cookie;
    const char *label;     /* row prefix: "tcp", "tls", "tcp pinned"... */
    const char *what;      /* drive: "all" or "lat" */
    const char *ready;     /* peer: file written with the listen address */
    int reps;
    int schedulers;        /* node roles: scheduler threads, 0 = one per core */
    long count;            /* raw benches: operations per rep */
};

/* Bounded waits: no receive in the bench waits longer than this. */
#define BD_WAIT_MS 120000

/* One measured repetition: "SAMPLE|snow|<row>|<unit>|<value>". */
void bd_sample(const char *row, const char *unit, double v);
/* Fatal bench error: "ERROR|..." on stdout, exit 1. */
void bd_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
int64_t bd_now_ns(void);
/* user+sys CPU of this whole process, microseconds. */
int64_t bd_cpu_us(void);
/* Sorts v[0..n) and returns the p-quantile (0..1), nearest rank. */
double bd_pct(int64_t *v, size_t n, double p);

/* Starts the runtime and this node; exits on failure. */
void bd_node_up(const struct bd_args *a);
/* The peer's node name without the port ("b@127.0.0.1"). */
const char *bd_peer_node(const struct bd_args *a);

/* Waits for a message (bounded), failing the bench on timeout. */
snow_term *bd_recv(void);
/* Tuple helpers: element i as int / pid (0 on a mismatch). */
int64_t bd_elem_int(const snow_term *t, size_t i);
snow_pid bd_elem_pid(const snow_term *t, size_t i);

/* Roles. Each returns the process exit status. */
int bd_peer_main(const struct bd_args *a);
int bd_drive_main(const struct bd_args *a);
int bd_conn_main(const struct bd_args *a);
int bd_raw_tcp_main(const struct bd_args *a);
int bd_raw_tls_main(const struct bd_args *a);

#endif /* BENCH_DIST_H */
