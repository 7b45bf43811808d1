/* SPDX-License-Identifier: MIT */
/* bench_local: the local workloads L1-L4 (one-way, ping-pong, spawn, idle memory). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <snow/snow.h>

/*
 * Each workload runs in a driver process; the main thread joins it and
 * reads the figure the driver left in `bench_result` (snow_join orders the
 * write before the read). Every workload first runs once at 1/10 size as a
 * warm-up, then `reps` times; we print the median, min and max, both as a
 * table and as `RESULT|id|unit|median|min|max` lines that
 * contrib/bench/run-local.sh puts beside Erlang's.
 */

static double bench_result;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static _Noreturn void fail(const char *what)
{
    fprintf(stderr, "ERROR|%s\n", what);
    exit(1);
}

static void check(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "ERROR|%s: %s\n", what, snow_strerror(rc));
        exit(1);
    }
}

static snow_term *recv_any(void)
{
    snow_term *m = NULL;
    check(snow_receive(SNOW_INFINITY, &m), "receive");
    return m;
}

static int64_t elem_int(const snow_term *t, size_t i)
{
    const snow_term *e;
    int64_t v;
    if (snow_term_elem(t, i, &e) < 0 || snow_term_int(e, &v) < 0)
        fail("message is not {Int, ...}");
    return v;
}

static snow_pid elem_pid(const snow_term *t, size_t i)
{
    const snow_term *e;
    snow_pid p;
    if (snow_term_elem(t, i, &e) < 0 || snow_term_pid(e, &p) < 0)
        fail("message is not {Pid, ...}");
    return p;
}

/* Checks {Seq, "hello world"}. */
static void check_msg(const snow_term *m, int64_t seq)
{
    const snow_term *e;
    const char *s;
    size_t len;
    if (snow_term_size(m, &len) < 0 || len != 2)
        fail("message is not a pair");
    if (elem_int(m, 0) != seq)
        fail("out of order");
    if (snow_term_elem(m, 1, &e) < 0 || snow_term_string(e, &s, &len) < 0 || len != 11)
        fail("bad payload");
}

/* ---- L1: one-way send of N messages, receiver checks order ---- */

static void l1_rx(const snow_term *arg)
{
    snow_pid sender = elem_pid(arg, 0);
    int64_t n = elem_int(arg, 1);
    for (int64_t seq = 1; seq <= n; seq++) {
        snow_term *m = recv_any();
        check_msg(m, seq);
        snow_term_release(m);
    }
    snow_term *done = snow_tuple(2, snow_atom("rx_done"), snow_int(n));
    check(snow_send(sender, done), "send rx_done");
    snow_term_release(done);
}

static void l1_driver(const snow_term *arg)
{
    int64_t n;
    snow_term_int(arg, &n);
    snow_term *payload = snow_string("hello world");
    snow_term *rxarg = snow_tuple(2, snow_pid_term(snow_self()), snow_int(n));
    snow_pid rx;
    check(snow_spawn(l1_rx, rxarg, &rx), "spawn");
    snow_term_release(rxarg);

    double t0 = now_s();
    for (int64_t seq = 1; seq <= n; seq++) {
        snow_term *m = snow_tuple(2, snow_int(seq), snow_term_ref(payload));
        check(snow_send(rx, m), "send");
        snow_term_release(m);
    }
    snow_term *done = recv_any();
    double t1 = now_s();
    if (!snow_term_is_tuple_tagged(done, 2, "rx_done") || elem_int(done, 1) != n)
        fail("L1: bad rx_done");
    snow_term_release(done);
    snow_term_release(payload);
    bench_result = (double)n / (t1 - t0);
}

/* ---- L2: ping-pong round trips ---- */

static void l2_echo(const snow_term *arg)
{
    snow_pid pinger;
    snow_term_pid(arg, &pinger);
    for (;;) {
        snow_term *m = recv_any();
        if (snow_term_is_atom(m, "stop"))
            return;
        check(snow_send(pinger, m), "echo");
        snow_term_release(m);
    }
}

static void l2_driver(const snow_term *arg)
{
    int64_t n;
    snow_term_int(arg, &n);
    snow_term *payload = snow_string("hello world");
    snow_term *self = snow_pid_term(snow_self());
    snow_pid echo;
    check(snow_spawn(l2_echo, self, &echo), "spawn");
    snow_term_release(self);

    double t0 = now_s();
    for (int64_t seq = 1; seq <= n; seq++) {
        snow_term *m = snow_tuple(2, snow_int(seq), snow_term_ref(payload));
        check(snow_send(echo, m), "send");
        snow_term_release(m);
        snow_term *r = recv_any();
        check_msg(r, seq);
        snow_term_release(r);
    }
    double t1 = now_s();
    check(snow_send(echo, snow_atom("stop")), "send stop");
    snow_term_release(payload);
    bench_result = (double)n / (t1 - t0);
}

/* ---- L3: spawn a child that replies {spawned, I}, wait, repeat ---- */

static void l3_child(const snow_term *arg)
{
    snow_term *m = snow_tuple(2, snow_atom("spawned"), snow_int(elem_int(arg, 1)));
    check(snow_send(elem_pid(arg, 0), m), "reply");
    snow_term_release(m);
}

static void l3_driver(const snow_term *arg)
{
    int64_t n;
    snow_term_int(arg, &n);
    snow_pid self = snow_self();
    double t0 = now_s();
    for (int64_t i = 1; i <= n; i++) {
        snow_term *a = snow_tuple(2, snow_pid_term(self), snow_int(i));
        snow_pid child;
        check(snow_spawn(l3_child, a, &child), "spawn");
        snow_term_release(a);
        snow_term *r = recv_any();
        if (!snow_term_is_tuple_tagged(r, 2, "spawned") || elem_int(r, 1) != i)
            fail("L3: bad reply");
        snow_term_release(r);
    }
    double t1 = now_s();
    bench_result = (t1 - t0) * 1e6 / (double)n;  /* µs per spawn+reply */
}

/* ---- L4: resident bytes per idle process ---- */

static long rss_bytes(void)
{
    long size = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL || fscanf(f, "%ld %ld", &size, &rss) != 2)
        fail("cannot read /proc/self/statm");
    fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

static void l4_idle(const snow_term *arg)
{
    snow_pid driver;
    snow_term_pid(arg, &driver);
    check(snow_send(driver, snow_atom("ready")), "ready");
    for (;;) {
        snow_term *m = recv_any();
        bool stop = snow_term_is_atom(m, "stop");
        snow_term_release(m);
        if (stop)
            break;
    }
    check(snow_send(driver, snow_atom("bye")), "bye");
}

/* Receives `n` copies of the atom `what`. */
static void l4_collect(int64_t n, const char *what)
{
    for (int64_t i = 0; i < n; i++) {
        snow_term *m = recv_any();
        if (!snow_term_is_atom(m, what))
            fail("L4: unexpected message");
        snow_term_release(m);
    }
}

static void l4_driver(const snow_term *arg)
{
    int64_t n;
    snow_term_int(arg, &n);
    /* Spawn in batches so at most `batch` ready messages are in flight;
     * the pid array is allocated and touched before the baseline. */
    const int64_t batch = 1000;
    snow_pid *pids = calloc((size_t)n, sizeof *pids);
    if (pids == NULL)
        fail("L4: out of memory");
    memset(pids, 0xff, (size_t)n * sizeof *pids);
    snow_term *self = snow_pid_term(snow_self());

    long m0 = rss_bytes();
    for (int64_t i = 0; i < n; i += batch) {
        int64_t k = n - i < batch ? n - i : batch;
        for (int64_t j = 0; j < k; j++)
            check(snow_spawn(l4_idle, self, &pids[i + j]), "spawn");
        l4_collect(k, "ready");
    }
    long m1 = rss_bytes();
    bench_result = (double)(m1 - m0) / (double)n;

    for (int64_t i = 0; i < n; i++)
        check(snow_send(pids[i], snow_atom("stop")), "stop");
    l4_collect(n, "bye");
    snow_term_release(self);
    free(pids);
}

/* ---- running and reporting ---- */

struct workload {
    const char *id;
    const char *what;
    const char *unit;
    snow_proc_fn driver;
    int64_t n;
};

static double run_once(const struct workload *w, int64_t n)
{
    snow_term *arg = snow_int(n);
    snow_pid pid;
    check(snow_spawn(w->driver, arg, &pid), "spawn driver");
    snow_term_release(arg);
    snow_term *reason = NULL;
    check(snow_join(pid, SNOW_INFINITY, &reason), "join driver");
    if (!snow_term_is_atom(reason, "normal"))
        fail("driver crashed");
    snow_term_release(reason);
    return bench_result;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--reps N] [--idle N | --million] [--only L1,L2,L3,L4] [--schedulers N]\n"
            "  L1 one-way send+receive of {Seq, \"hello world\"} (2,000,000 msgs)\n"
            "  L2 ping-pong round trips (1,000,000)\n"
            "  L3 spawn + reply, µs per op (100,000)\n"
            "  L4 resident bytes per idle process (100,000; --million: 1,000,000)\n",
            argv0);
}

int main(int argc, char **argv)
{
    int reps = 5;
    int64_t idle = 100000;
    const char *only = "L1,L2,L3,L4";
    struct snow_init_opts opts = { .size = sizeof opts };

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc)
            idle = atoll(argv[++i]);
        else if (strcmp(argv[i], "--million") == 0)
            idle = 1000000;
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--schedulers") == 0 && i + 1 < argc)
            opts.schedulers = (unsigned)atoi(argv[++i]);
        else {
            usage(argv[0]);
            return 2;
        }
    }
    if (reps < 1 || reps > 99 || idle < 1) {
        usage(argv[0]);
        return 2;
    }

    const struct workload all[] = {
        { "L1", "local one-way send+receive", "msgs/s", l1_driver, 2000000 },
        { "L2", "local ping-pong", "round trips/s", l2_driver, 1000000 },
        { "L3", "spawn + reply", "us/op", l3_driver, 100000 },
        { "L4", "idle process memory (RSS)", "bytes/process", l4_driver, idle },
    };
    check(snow_init(&opts), "snow_init");
    printf("| id | workload | unit | median | min | max |\n|---|---|---|---:|---:|---:|\n");
    fflush(stdout);
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        const struct workload *w = &all[k];
        if (strstr(only, w->id) == NULL)
            continue;
        double v[99];
        run_once(w, w->n / 10 > 0 ? w->n / 10 : 1);   /* warm-up */
        for (int r = 0; r < reps; r++)
            v[r] = run_once(w, w->n);
        qsort(v, (size_t)reps, sizeof v[0], cmp_double);
        double med = reps % 2 ? v[reps / 2] : (v[reps / 2 - 1] + v[reps / 2]) / 2;
        printf("| %s | %s (n=%lld) | %s | %.4g | %.4g | %.4g |\n", w->id, w->what,
               (long long)w->n, w->unit, med, v[0], v[reps - 1]);
        fprintf(stderr, "RESULT|%s|%s|%.6g|%.6g|%.6g\n", w->id, w->unit, med, v[0],
                v[reps - 1]);
        fflush(stdout);
    }
    check(snow_shutdown(), "snow_shutdown");
    return 0;
}
