/* SPDX-License-Identifier: MIT */
/* STF throughput: encode/decode terms/s and MB/s for three reference terms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <snow/stf.h>

/*
 * Usage: bench_stf [N [REPS]]   (defaults 1000000 and 5)
 * Prints one line per workload and operation:
 *   stf <workload> <encode|decode> <terms/s> <MB/s> <bytes per term>
 * with the median of REPS runs of N operations each. Rates are per CPU
 * second of the process (not wall-clock), so a busy shared machine skews
 * them less; the Erlang side measures its VM's CPU time the same way and
 * runs with one scheduler and no busy-waiting. Encoding goes to a
 * fresh malloc'd buffer per term (like term_to_binary returning a new
 * binary); "encode_bin" makes a new binary term (snow_stf_encode_binary,
 * what term_to_binary does); "encode_into" reuses one caller buffer (no allocation: the
 * distribution layer's path); decoding builds and releases the term each
 * time.
 * contrib/bench/bench_stf.sh runs the same workloads in Erlang.
 */

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Seconds for n encodes of t. */
static double bench_encode(const snow_term *t, long n)
{
    double t0 = bench_now();
    for (long i = 0; i < n; i++) {
        void *buf;
        size_t len;
        if (snow_stf_encode(t, NULL, &buf, &len, NULL, 0) != 0)
            abort();
        free(buf);
    }
    return bench_now() - t0;
}

/* Seconds for n encodes of t to a new binary term (term_to_binary's
 * exact analogue: it too returns a new binary). */
static double bench_encode_bin(const snow_term *t, long n)
{
    double t0 = bench_now();
    for (long i = 0; i < n; i++) {
        snow_term *bin;
        if (snow_stf_encode_binary(t, NULL, &bin, NULL, 0) != 0)
            abort();
        snow_term_release(bin);
    }
    return bench_now() - t0;
}

/* Seconds for n encodes of t into one reused buffer (the distribution
 * layer's path: it encodes straight into its frame buffer). */
static double bench_encode_into(const snow_term *t, long n)
{
    static unsigned char buf[1 << 16];
    double t0 = bench_now();
    for (long i = 0; i < n; i++) {
        size_t len;
        if (snow_stf_encode_into(t, NULL, buf, sizeof buf, &len, NULL, 0) != 0)
            abort();
    }
    return bench_now() - t0;
}

static double bench_decode(const void *buf, size_t len, long n)
{
    double t0 = bench_now();
    for (long i = 0; i < n; i++) {
        snow_term *t;
        if (snow_stf_decode(buf, len, NULL, &t, NULL, 0) != 0)
            abort();
        snow_term_release(t);
    }
    return bench_now() - t0;
}

static void bench_run(const char *name, snow_term *t, long n, int reps)
{
    void *buf;
    size_t len;
    if (t == NULL || snow_stf_encode(t, NULL, &buf, &len, NULL, 0) != 0)
        abort();
    double enc[32], bin[32], into[32], dec[32];
    for (int r = 0; r < reps; r++) {
        enc[r] = (double)n / bench_encode(t, n);
        bin[r] = (double)n / bench_encode_bin(t, n);
        into[r] = (double)n / bench_encode_into(t, n);
        dec[r] = (double)n / bench_decode(buf, len, n);
    }
    double e = bench_median(enc, reps), d = bench_median(dec, reps);
    double in = bench_median(into, reps), eb = bench_median(bin, reps);
    printf("stf %s encode %.0f %.1f %zu\n", name, e, e * (double)len / 1e6, len);
    printf("stf %s encode_bin %.0f %.1f %zu\n", name, eb, eb * (double)len / 1e6, len);
    printf("stf %s encode_into %.0f %.1f %zu\n", name, in, in * (double)len / 1e6, len);
    printf("stf %s decode %.0f %.1f %zu\n", name, d, d * (double)len / 1e6, len);
    fflush(stdout);
    free(buf);
    snow_term_release(t);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (n <= 0 || reps <= 0 || reps > 32) {
        fprintf(stderr, "usage: bench_stf [N [REPS<=32]]\n");
        return 2;
    }
    bench_run("hello", snow_tuple(2, snow_int(42), snow_string("hello world")), n, reps);

    unsigned char kib[1024];
    for (size_t i = 0; i < sizeof kib; i++)
        kib[i] = (unsigned char)(i * 7);
    bench_run("bin1k", snow_binary(kib, sizeof kib), n, reps);

    snow_term *keys[100], *vals[100];
    for (int i = 0; i < 100; i++) {
        char s[32];
        snprintf(s, sizeof s, "value %d", i + 1);
        keys[i] = snow_int(i + 1);
        vals[i] = snow_string(s);
    }
    bench_run("map100", snow_map_from(100, keys, vals), n, reps);
    return 0;
}
