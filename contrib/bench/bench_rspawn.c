/* SPDX-License-Identifier: MIT */
/* Remote spawn round trip (WORKLOADS.md section 8): spawn on B, the child replies, A receives. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <snow/node.h>
#include <snow/snow.h>
#include <snow/spawn.h>

/*
 * bench_rspawn tcp|tls [N [REPS]]
 * Two node processes on 127.0.0.1: this process forks node B, which offers
 * "bench.reply" (arg {Parent, I}: sends {spawned, I} to Parent). Node A
 * spawns it N times in sequence (after a warm-up of N/25, as WORKLOADS.md's
 * 200 for 5,000); each trip is timed from just before snow_node_spawn to the
 * receipt of {spawned, I}. Prints one line per repetition:
 *   SNOW <transport> n=<N> p50us=<..> p99us=<..> spawns/s=<..>
 * Plugins come from $SNOW_PLUGIN_PATH (the build tree: see `make bench-rspawn`).
 */

static void bench_reply(const snow_term *arg)
{
    const snow_term *p, *i;
    snow_pid to;
    if (snow_term_elem(arg, 0, &p) != 0 || snow_term_pid(p, &to) != 0 ||
        snow_term_elem(arg, 1, &i) != 0)
        return;
    snow_term *m = snow_tuple(2, snow_atom("spawned"), snow_term_ref((snow_term *)i));
    snow_send(to, m);
    snow_term_release(m);
}

SNOW_FUNCTION(reply, "bench.reply", bench_reply)

static const char *plugin_list(const char *transport)
{
    static char path[] = "/tmp/bench_rspawn.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    fprintf(f, "transport transport_%s\nauth auth_cookie\n", transport);
    fclose(f);
    return path;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

struct run {
    const char *node;
    long n;
    int64_t *lat;
    int64_t total_ns;
    int rc;
};

static bool is_spawned(const snow_term *m, void *ctx)
{
    const snow_term *e;
    int64_t i;
    return snow_term_is_tuple_tagged(m, 2, "spawned") && snow_term_elem(m, 1, &e) == 0 &&
           snow_term_int(e, &i) == 0 && i == *(int64_t *)ctx;
}

static void driver(const snow_term *arg)
{
    int64_t addr;
    snow_term_int(arg, &addr);
    struct run *r = (struct run *)(intptr_t)addr;
    int64_t start = now_ns();
    for (int64_t i = 0; i < r->n; i++) {
        int64_t t0 = now_ns();
        snow_term *a = snow_tuple(2, snow_pid_term(snow_self()), snow_int(i));
        snow_pid child;
        r->rc = snow_node_spawn(r->node, "bench.reply", a, &child);
        snow_term_release(a);
        snow_term *m = NULL;
        if (r->rc == 0)
            r->rc = snow_receive_match(is_spawned, &i, 10000, &m);
        snow_term_release(m);
        if (r->rc != 0) {
            fprintf(stderr, "bench_rspawn: spawn %lld: %s: %s\n", (long long)i,
                    snow_strerror_name(r->rc), snow_node_last_error());
            return;
        }
        r->lat[i] = now_ns() - t0;
    }
    r->total_ns = now_ns() - start;
}

static int run_once(const char *node, long n, int64_t *lat, int64_t *total)
{
    struct run r = {.node = node, .n = n, .lat = lat};
    snow_term *arg = snow_int((int64_t)(intptr_t)&r);
    snow_pid pid;
    int rc = snow_spawn(driver, arg, &pid);
    snow_term_release(arg);
    if (rc == 0)
        rc = snow_join(pid, 600000, NULL);
    *total = r.total_ns;
    return rc != 0 ? rc : r.rc;
}

/* Node B: serve until the parent closes the pipe. */
static int node_b(const char *plugins, int up_fd, int down_fd)
{
    struct snow_node_opts no = {.size = sizeof no, .plugin_list = plugins};
    if (snow_init(NULL) != 0 || snow_node_start("brspawn@127.0.0.1", "benchcookie", &no) != 0) {
        fprintf(stderr, "bench_rspawn: node B: %s\n", snow_node_last_error());
        return 1;
    }
    dprintf(up_fd, "%s\n", snow_node_address());
    close(up_fd);
    char c;
    while (read(down_fd, &c, 1) > 0)
        ;
    snow_node_stop();
    snow_shutdown();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "tcp") != 0 && strcmp(argv[1], "tls") != 0)) {
        fprintf(stderr, "usage: bench_rspawn tcp|tls [N [REPS]]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 5000, reps = argc > 3 ? atol(argv[3]) : 3;
    if (n < 1 || reps < 1)
        return 2;
    const char *plugins = plugin_list(argv[1]);
    int up[2], down[2];
    if (plugins == NULL || pipe(up) != 0 || pipe(down) != 0)
        return 1;
    pid_t b = fork();
    if (b == 0) {
        close(up[0]);
        close(down[1]);
        _exit(node_b(plugins, up[1], down[0]));
    }
    close(up[1]);
    close(down[0]);
    char addr[128] = "";
    FILE *f = fdopen(up[0], "r");
    if (b < 0 || f == NULL || fgets(addr, sizeof addr, f) == NULL) {
        fprintf(stderr, "bench_rspawn: node B did not start\n");
        return 1;
    }
    addr[strcspn(addr, "\n")] = '\0';
    fclose(f);

    struct snow_node_opts no = {.size = sizeof no, .plugin_list = plugins};
    char dial[256];
    snprintf(dial, sizeof dial, "brspawn@%s", addr);
    int rc = snow_init(NULL);
    if (rc == 0)
        rc = snow_node_start("arspawn@127.0.0.1", "benchcookie", &no);
    if (rc == 0)
        rc = snow_node_connect(dial);
    int64_t *lat = calloc((size_t)n, sizeof *lat);
    int64_t total = 0;
    long warm = n / 25 > 0 ? n / 25 : 1;
    if (rc == 0 && lat)
        rc = run_once("brspawn@127.0.0.1", warm, lat, &total);
    for (long i = 0; rc == 0 && i < reps; i++) {
        rc = run_once("brspawn@127.0.0.1", n, lat, &total);
        if (rc != 0)
            break;
        qsort(lat, (size_t)n, sizeof *lat, cmp_i64);
        printf("SNOW %s n=%ld p50us=%.1f p99us=%.1f spawns/s=%.0f\n", argv[1], n,
               lat[n / 2] / 1e3, lat[n * 99 / 100] / 1e3, n / (total / 1e9));
        fflush(stdout);
    }
    if (rc != 0)
        fprintf(stderr, "bench_rspawn: %s: %s\n", snow_strerror_name(rc), snow_node_last_error());
    free(lat);
    snow_node_stop();
    snow_shutdown();
    close(down[1]);
    int st;
    waitpid(b, &st, 0);
    unlink(plugins);
    return rc == 0 ? 0 : 1;
}
