/* SPDX-License-Identifier: MIT */
/* Soak: N idle processes (default 1,000,000); prints resident bytes each. */
#include <snow/snow.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static atomic_long soak_started;

static void soak_body(const snow_term *arg)
{
    (void)arg;
    atomic_fetch_add(&soak_started, 1);
    snow_term *m;
    snow_receive(SNOW_INFINITY, &m); /* idle until shutdown */
}

static long soak_spawned;

static void soak_spawner(const snow_term *arg)
{
    int64_t n = 0;
    snow_term_int(arg, &n);
    for (soak_spawned = 0; soak_spawned < n; soak_spawned++) {
        snow_pid pid;
        int rc = snow_spawn(soak_body, NULL, &pid);
        if (rc != 0) {
            fprintf(stderr, "spawn %ld: %s\n", soak_spawned, snow_strerror(rc));
            snow_exit(snow_atom("spawn_failed"));
        }
    }
}

/* Resident and page-table bytes from /proc/self/status. */
static void soak_mem(long *rss, long *pte)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    *rss = *pte = 0;
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld kB", rss);
        sscanf(line, "VmPTE: %ld kB", pte);
    }
    fclose(f);
    *rss *= 1024;
    *pte *= 1024;
}

static double soak_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int rc = snow_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "snow_init: %s\n", snow_strerror(rc));
        return 1;
    }
    long rss0, pte0, rss1, pte1;
    soak_mem(&rss0, &pte0);
    double t0 = soak_now();
    /* Spawned from a process, as applications do (a plain thread's spawn
     * also wakes a parked scheduler each time). */
    snow_term *count = snow_int(n);
    snow_pid spawner;
    snow_spawn(soak_spawner, count, &spawner);
    snow_term_release(count);
    snow_term *why = NULL;
    snow_join(spawner, SNOW_INFINITY, &why);
    if (!snow_term_is_atom(why, "normal")) {
        fprintf(stderr, "spawner failed after %ld processes\n", soak_spawned);
        n = soak_spawned;
    }
    snow_term_release(why);
    while (atomic_load(&soak_started) < n)
        usleep(1000);
    double t1 = soak_now();
    sleep(1); /* let the schedulers settle before measuring */
    soak_mem(&rss1, &pte1);
    printf("idle processes:            %ld (live %zu)\n", n, snow_process_count());
    printf("spawn+first run:           %.2f s (%.0f ns per process)\n", t1 - t0,
           (t1 - t0) * 1e9 / (double)n);
    printf("RSS per idle process:      %.0f B\n", (double)(rss1 - rss0) / (double)n);
    printf("RSS+page tables per proc:  %.0f B\n",
           (double)(rss1 - rss0 + pte1 - pte0) / (double)n);
    printf("goal (2x Erlang's 2,703 B): <= 5,406 B\n");
    double t2 = soak_now();
    snow_shutdown();
    printf("shutdown (kill all, free): %.2f s\n", soak_now() - t2);
    return 0;
}
