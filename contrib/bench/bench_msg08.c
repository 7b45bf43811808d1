/* SPDX-License-Identifier: MIT */
/* MSG-08: local one-way send rate, one sender and one receiver, {Seq, <<"hello world">>}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <snow/snow.h>

/* Set by the build: which libsnow this binary carries (contrib/bench/local.am). */
#ifndef BENCH_MSG08_VARIANT
#define BENCH_MSG08_VARIANT "libsnow"
#endif

#define MSG08_N 2000000
#define MSG08_WAIT_MS 120000

static int msg08_reps = 5;

static int64_t msg08_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static _Noreturn void msg08_fail(const char *what)
{
    printf("ERROR|msg08 (%s): %s\n", BENCH_MSG08_VARIANT, what);
    fflush(stdout);
    _Exit(1);
}

static int64_t msg08_int(const snow_term *t, size_t i)
{
    const snow_term *e;
    int64_t v;
    return snow_term_elem(t, i, &e) == 0 && snow_term_int(e, &v) == 0 ? v : -1;
}

/* Receiver: arg {Sender, N}; checks every {Seq, Payload}, then {rx_done, N}. */
static void msg08_rx(const snow_term *arg)
{
    const snow_term *e;
    snow_pid sender;
    if (snow_term_elem(arg, 0, &e) != 0 || snow_term_pid(e, &sender) != 0)
        msg08_fail("bad receiver argument");
    int64_t n = msg08_int(arg, 1);
    for (int64_t seq = 1; seq <= n; seq++) {
        snow_term *m;
        const snow_term *p;
        const void *data;
        size_t len = 0;
        if (snow_receive(MSG08_WAIT_MS, &m) != 0)
            msg08_fail("receiver timed out");
        if (msg08_int(m, 0) != seq || snow_term_elem(m, 1, &p) != 0 ||
            snow_term_binary(p, &data, &len) != 0 || len != 11)
            msg08_fail("message out of order or of the wrong size");
        snow_term_release(m);
    }
    snow_term *done = snow_tuple(2, snow_atom("rx_done"), snow_int(n));
    snow_send(sender, done);
    snow_term_release(done);
}

static int64_t msg08_once(snow_term *payload, int64_t n)
{
    snow_pid rx;
    snow_term *arg = snow_tuple(2, snow_pid_term(snow_self()), snow_int(n));
    if (arg == NULL || snow_spawn(msg08_rx, arg, &rx) != 0)
        msg08_fail("spawn");
    snow_term_release(arg);
    int64_t t0 = msg08_now_ns();
    for (int64_t seq = 1; seq <= n; seq++) {
        snow_term *m = snow_tuple(2, snow_int(seq), snow_term_ref(payload));
        if (m == NULL || snow_send(rx, m) != 0)
            msg08_fail("send");
        snow_term_release(m);
    }
    snow_term *done;
    if (snow_receive(MSG08_WAIT_MS, &done) != 0 || !snow_term_is_tuple_tagged(done, 2, "rx_done"))
        msg08_fail("no rx_done");
    snow_term_release(done);
    return msg08_now_ns() - t0;
}

static void msg08_main(const snow_term *arg)
{
    (void)arg;
    snow_term *payload = snow_binary("hello world", 11);
    if (payload == NULL)
        msg08_fail("out of memory");
    msg08_once(payload, MSG08_N / 10); /* warm-up */
    for (int r = 0; r < msg08_reps; r++) {
        int64_t ns = msg08_once(payload, MSG08_N);
        printf("SAMPLE|snow|MSG-08 local send {Seq,<<11 B>>} x2M, %s|msgs/s|%.1f\n",
               BENCH_MSG08_VARIANT, MSG08_N / ((double)ns / 1e9));
        fflush(stdout);
    }
    snow_term_release(payload);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        msg08_reps = atoi(argv[1]) > 0 ? atoi(argv[1]) : 1;
    if (snow_init(NULL) != 0)
        msg08_fail("snow_init");
    snow_pid pid;
    if (snow_spawn(msg08_main, NULL, &pid) != 0 || snow_join(pid, 10 * 60 * 1000, NULL) != 0)
        msg08_fail("bench process");
    snow_shutdown();
    return 0;
}
