/* SPDX-License-Identifier: MIT */
/* bench_dist: entry point and shared helpers of the distribution benchmark. */
#include "bench_dist.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

void bd_sample(const char *row, const char *unit, double v)
{
    printf("SAMPLE|snow|%s|%s|%.4f\n", row, unit, v);
    fflush(stdout);
}

void bd_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("ERROR|");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
    _Exit(1); /* no clean shutdown: a failed bench must not hang */
}

int64_t bd_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bd_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

double bd_pct(int64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    size_t i = (size_t)(p * (double)n + 0.999999);
    if (i < 1)
        i = 1;
    if (i > n)
        i = n;
    return (double)v[i - 1];
}

void bd_node_up(const struct bd_args *a)
{
    struct snow_init_opts io = {.size = sizeof io, .schedulers = (unsigned)a->schedulers};
    int rc = snow_init(&io);
    if (rc != 0)
        bd_fail("snow_init: %s", snow_strerror(rc));
    struct snow_node_opts o = {.size = sizeof o, .plugin_list = a->plugins};
    rc = snow_node_start(a->name, a->cookie, &o);
    if (rc != 0)
        bd_fail("snow_node_start %s: %s: %s", a->name, snow_strerror_name(rc),
                snow_node_last_error());
}

const char *bd_peer_node(const struct bd_args *a)
{
    static char node[256];
    snprintf(node, sizeof node, "%s", a->peer);
    char *at = strchr(node, '@');
    char *colon = at ? strrchr(at, ':') : NULL;
    if (colon)
        *colon = '\0';
    return node;
}

snow_term *bd_recv(void)
{
    snow_term *m;
    int rc = snow_receive(BD_WAIT_MS, &m);
    if (rc != 0)
        bd_fail("receive: %s", snow_strerror_name(rc));
    return m;
}

int64_t bd_elem_int(const snow_term *t, size_t i)
{
    const snow_term *e;
    int64_t v;
    if (snow_term_elem(t, i, &e) != 0 || snow_term_int(e, &v) != 0)
        return 0;
    return v;
}

snow_pid bd_elem_pid(const snow_term *t, size_t i)
{
    const snow_term *e;
    snow_pid v;
    if (snow_term_elem(t, i, &e) != 0 || snow_term_pid(e, &v) != 0)
        return SNOW_PID_NONE;
    return v;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_dist ROLE [options]   (driven by contrib/bench/run-dist.sh)\n"
            "  peer     --name N --plugins F --cookie C --ready FILE\n"
            "  drive    --name N --peer P --plugins F --cookie C --label L [--what all|lat|r1|r2] [--reps R]\n"
            "  conn     --name N --peer P --plugins F --cookie C --label L\n"
            "  (node roles also take --schedulers N; default one per core)\n"
            "  raw-tcp  --label L [--count TRIPS] [--reps R]   blocking TCP_NODELAY ping-pong\n"
            "  raw-tls  [--count MSGS] [--reps R]              32 B msgs in 16 KiB TLS records\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},  {"peer", required_argument, NULL, 'P'},
        {"plugins", required_argument, NULL, 'p'}, {"cookie", required_argument, NULL, 'c'},
        {"label", required_argument, NULL, 'l'}, {"what", required_argument, NULL, 'w'},
        {"ready", required_argument, NULL, 'r'}, {"reps", required_argument, NULL, 'R'},
        {"count", required_argument, NULL, 'N'}, {"schedulers", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2) {
        usage();
        return 2;
    }
    struct bd_args a = {.label = "", .what = "all", .reps = 5, .cookie = "benchcookie"};
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'n': a.name = optarg; break;
        case 'P': a.peer = optarg; break;
        case 'p': a.plugins = optarg; break;
        case 'c': a.cookie = optarg; break;
        case 'l': a.label = optarg; break;
        case 'w': a.what = optarg; break;
        case 'r': a.ready = optarg; break;
        case 'R': a.reps = atoi(optarg); break;
        case 'N': a.count = atol(optarg); break;
        case 's': a.schedulers = atoi(optarg); break;
        default: usage(); return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    const char *role = argv[1];
    if (strcmp(role, "raw-tcp") == 0)
        return bd_raw_tcp_main(&a);
    if (strcmp(role, "raw-tls") == 0)
        return bd_raw_tls_main(&a);
    if (a.name == NULL || a.plugins == NULL) {
        usage();
        return 2;
    }
    if (strcmp(role, "peer") == 0)
        return bd_peer_main(&a);
    if (a.peer == NULL) {
        usage();
        return 2;
    }
    if (strcmp(role, "drive") == 0)
        return bd_drive_main(&a);
    if (strcmp(role, "conn") == 0)
        return bd_conn_main(&a);
    usage();
    return 2;
}
