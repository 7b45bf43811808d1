/* SPDX-License-Identifier: MIT */
/* Transport benchmark: connect+handshake time and one-way small-frame throughput, server in a child process. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugin_harness.h"

/*
 * Usage: bench_transport [plugin] [frame_bytes] [frames_per_send] [total_MiB]
 * Defaults: transport_tls 32 512 256. Run from the build tree with
 * SNOW_PLUGIN_PATH set (make bench-transports does).
 * The server runs in a forked child so sender and receiver use both cores,
 * as two nodes would.
 */

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double bench_cpu(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
           (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

static double bench_self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return bench_cpu(&ru);
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- server (child) ---- */

static size_t bench_target;

/* Count bytes (in p->user: only the bulk conn carries data); at the
 * target, answer one byte. */
static void bench_server_recv(struct snow_conn *c, const void *data, size_t len)
{
    uintptr_t got = (uintptr_t)c->p->user + len;
    c->p->user = (void *)got;
    if (got >= bench_target && bench_target > 0) {
        c->p->user = NULL;
        th_send(c, "!", 1);
    }
}

static bool bench_never(void *arg)
{
    return false;
}

static void bench_server(const char *plugin, int wfd, size_t target)
{
    char err[256];
    struct event_base *base = th_base_new();
    struct th_plugin *p = th_plugin_load(base, plugin, NULL, err, sizeof err);
    if (p == NULL) {
        fprintf(stderr, "server: %s\n", err);
        _exit(1);
    }
    bench_target = target;
    p->on_recv = bench_server_recv;
    struct snow_listener l;
    if (th_listen(p, "127.0.0.1:0", &l) != 0)
        _exit(1);
    if (write(wfd, l.bound, sizeof l.bound) != (ssize_t)sizeof l.bound)
        _exit(1);
    th_run_until(base, bench_never, NULL, 600000);
    _exit(0);
}

/* ---- client (parent) ---- */

static bool bench_up(void *arg)
{
    struct snow_conn *c = arg;
    return c->up || c->closed;
}

struct bench_flow {
    struct snow_conn *c;
    size_t frame, per_send, total, sent;
    unsigned char *buf;
    struct snow_iov *iov;
};

static bool bench_pump(void *arg)
{
    struct bench_flow *f = arg;
    const struct snow_transport_ops *ops = th_transport(f->c->p);
    if (evbuffer_get_length(f->c->rx) > 0 || f->c->closed)
        return true;
    /* Keep about 1 MiB queued in the transport: enough to fill records. */
    for (int round = 0; round < 64 && f->sent < f->total; round++) {
        int q = ops->send(f->c->p->state, f->c, f->c->cs, f->iov, (int)f->per_send);
        f->sent += f->frame * f->per_send;
        if (q < 0)
            return true;
        if (q > 1 << 20)
            break;
    }
    ops->flush(f->c->p->state, f->c, f->c->cs);
    return false;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *plugin = argc > 1 ? argv[1] : "transport_tls";
    size_t frame = argc > 2 ? strtoul(argv[2], NULL, 10) : 32;
    size_t per_send = argc > 3 ? strtoul(argv[3], NULL, 10) : 512;
    size_t mib = argc > 4 ? strtoul(argv[4], NULL, 10) : 256;
    if (frame == 0 || per_send == 0 || per_send > 4096)
        return 2;
    size_t total = (mib << 20) / (frame * per_send) * (frame * per_send);

    int pfd[2];
    if (pipe(pfd) != 0)
        return 1;
    pid_t child = fork();
    if (child == 0) {
        close(pfd[0]);
        bench_server(plugin, pfd[1], total);
    }
    close(pfd[1]);
    char bound[128];
    if (read(pfd[0], bound, sizeof bound) != (ssize_t)sizeof bound) {
        fprintf(stderr, "server did not start\n");
        return 1;
    }

    char err[256];
    struct event_base *base = th_base_new();
    struct th_plugin *p = th_plugin_load(base, plugin, NULL, err, sizeof err);
    if (p == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    enum { HS = 100 };
    double hs[HS];
    for (int i = 0; i < HS; i++) {
        struct snow_conn *c;
        double t0 = bench_now();
        if (th_connect(p, bound, &c) != 0 || !th_run_until(base, bench_up, c, 5000) || !c->up) {
            fprintf(stderr, "connect %d failed: %s\n", i, c ? c->reason : "?");
            return 1;
        }
        hs[i] = (bench_now() - t0) * 1e3;
        th_close(c);
    }
    qsort(hs, HS, sizeof hs[0], bench_cmp);
    printf("%s: connect+handshake (client view), %d runs: median %.3f ms, p90 %.3f ms, min %.3f ms\n",
           plugin, HS, hs[HS / 2], hs[HS * 9 / 10], hs[0]);

    struct bench_flow f = {.frame = frame, .per_send = per_send, .total = total};
    f.buf = calloc(per_send, frame);
    f.iov = calloc(per_send, sizeof *f.iov);
    for (size_t i = 0; i < per_send; i++)
        f.iov[i] = (struct snow_iov){f.buf + i * frame, frame};
    if (th_connect(p, bound, &f.c) != 0 || !th_run_until(base, bench_up, f.c, 5000)) {
        fprintf(stderr, "bulk connect failed\n");
        return 1;
    }
    double t0 = bench_now(), cpu0 = bench_self_cpu();
    /* Pump without blocking until everything is queued, then wait for the
     * server's one-byte answer. */
    while (f.sent < f.total && !bench_pump(&f))
        event_base_loop(base, EVLOOP_NONBLOCK);
    th_run_until(base, bench_pump, &f, 120000);
    double dt = bench_now() - t0, cpu = bench_self_cpu() - cpu0;
    if (evbuffer_get_length(f.c->rx) == 0) {
        fprintf(stderr, "bulk transfer incomplete: %s\n", f.c->reason);
        return 1;
    }
    double frames = (double)total / (double)frame;
    printf("%s: one-way %zu-byte frames, %zu per send call: %.2f M frames/s, %.0f MB/s "
           "(%.0f MiB in %.3f s)\n",
           plugin, frame, per_send, frames / dt / 1e6, (double)total / dt / 1e6,
           (double)total / (1 << 20), dt);
    th_plugin_unload(p);
    event_base_free(base);
    free(f.buf);
    free(f.iov);
    kill(child, SIGTERM);
    struct rusage ru;
    wait4(child, NULL, 0, &ru);
    /* On a shared, loaded machine wall time lies; CPU time per byte does
     * not (the server's figure includes the 100 handshakes). */
    printf("%s: sender CPU %.3f s (%.0f MB per CPU-second), receiver CPU %.3f s\n", plugin, cpu,
           (double)total / cpu / 1e6, bench_cpu(&ru));
    return 0;
}
