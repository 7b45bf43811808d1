/* SPDX-License-Identifier: MIT */
/* Scheduler and mailbox under load: ordering, scale, wake-up races. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "rt_util.h"
#include "scheduler.h"

/* ---- 1,000,000 messages between two processes, in order ---- */

#define MILLION 1000000

/* Scheduler each side last ran on (checked: the two differ). */
static _Atomic int million_rx_sched = -1, million_tx_sched = -2;

static void body_count_receiver(const snow_term *arg)
{
    (void)arg;
    for (int64_t i = 0; i < MILLION; i++) {
        if ((i & 1023) == 0)
            atomic_store(&million_rx_sched, (int)sk_sched_self()->id);
        snow_term *m = rt_recv(10000);
        int64_t v;
        RT_CHECK(snow_term_int(m, &v) == 0);
        if (v != i)
            ck_abort_msg("message %lld arrived as number %lld", (long long)v, (long long)i);
        snow_term_release(m);
    }
    snow_term *none;
    RT_CHECK(snow_receive(0, &none) == SNOW_ETIMEDOUT); /* complete: nothing extra */
    rt_ok();
}

static void body_count_sender(const snow_term *arg)
{
    snow_pid to;
    RT_CHECK(snow_term_pid(arg, &to) == 0);
    for (int64_t i = 0; i < MILLION; i++) {
        if ((i & 1023) == 0)
            atomic_store(&million_tx_sched, (int)sk_sched_self()->id);
        snow_term *m = snow_int(i);
        RT_CHECK(snow_send(to, m) == 0);
        snow_term_release(m);
    }
}

START_TEST(million_messages_in_order)
{
    /* Keep the two on their own threads: every message crosses cores. */
    sk_sched_pinned = true;
    rt_start(2);
    snow_pid rx, tx;
    /* Spawned from this plain thread: placed round-robin, one per scheduler. */
    ck_assert_snow_ok(snow_spawn(body_count_receiver, NULL, &rx));
    snow_term *rxt = snow_pid_term(rx);
    ck_assert_snow_ok(snow_spawn(body_count_sender, rxt, &tx));
    snow_term_release(rxt);
    ck_assert_exits_ok(rx, 120000);
    ck_assert_snow_ok(snow_join(tx, 120000, NULL));
    ck_assert_int_ne(atomic_load(&million_rx_sched), atomic_load(&million_tx_sched));
    rt_stop();
    sk_sched_pinned = false;
}
END_TEST

/* ---- 100,000 processes spawned and exited ---- */

static void body_child_reply(const snow_term *arg)
{
    snow_pid parent;
    RT_CHECK(snow_term_pid(arg, &parent) == 0);
    snow_send(parent, arg);
}

static void body_spawner(const snow_term *arg)
{
    (void)arg;
    enum { N = 100000 };
    snow_term *me = snow_pid_term(snow_self());
    for (int i = 0; i < N; i++) {
        snow_pid c;
        RT_CHECK(snow_spawn(body_child_reply, me, &c) == 0);
    }
    for (int i = 0; i < N; i++) {
        snow_term *m = rt_recv(20000);
        snow_term_release(m);
    }
    snow_term_release(me);
    /* Every child has replied; wait (bounded) for the last exits. */
    for (int i = 0; i < 5000 && snow_process_count() > 1; i++)
        snow_sleep(1);
    ck_assert_uint_eq(snow_process_count(), 1);
    rt_ok();
}

START_TEST(hundred_thousand_spawn_exit)
{
    rt_start(2);
    rt_run(body_spawner, NULL, "ok", 120000);
    rt_stop();
}
END_TEST

/* ---- a ring of 10,000 processes passing a token 100 times ---- */

#define RING 10000
#define LAPS (100 / RT_TSAN_DIV)

static void body_ring_member(const snow_term *arg)
{
    (void)arg;
    snow_term *m = rt_recv(20000); /* {next, Pid, Parent} */
    const snow_term *e;
    snow_pid next, parent;
    RT_CHECK(snow_term_is_tuple_tagged(m, 3, "next"));
    snow_term_elem(m, 1, &e);
    RT_CHECK(snow_term_pid(e, &next) == 0);
    snow_term_elem(m, 2, &e);
    RT_CHECK(snow_term_pid(e, &parent) == 0);
    snow_term_release(m);
    for (;;) {
        m = rt_recv(60000);
        int64_t t;
        if (snow_term_int(m, &t) != 0) {
            RT_CHECK(snow_term_is_atom(m, "stop"));
            snow_term_release(m);
            return;
        }
        snow_term_release(m);
        snow_term *fwd = snow_int(t - 1);
        snow_send(t == 0 ? parent : next, fwd);
        snow_term_release(fwd);
    }
}

static void body_ring(const snow_term *arg)
{
    (void)arg;
    snow_pid *pids = malloc(RING * sizeof *pids);
    ck_assert_ptr_nonnull(pids);
    for (int i = 0; i < RING; i++)
        RT_CHECK(snow_spawn(body_ring_member, NULL, &pids[i]) == 0);
    for (int i = 0; i < RING; i++) {
        snow_term *m = snow_tuple(3, snow_atom("next"), snow_pid_term(pids[(i + 1) % RING]),
                                  snow_pid_term(snow_self()));
        snow_send(pids[i], m);
        snow_term_release(m);
    }
    snow_term *tok = snow_int((int64_t)RING * LAPS);
    snow_send(pids[0], tok);
    snow_term_release(tok);
    snow_term *back = rt_recv(200000); /* bounded by the TCase timeout too */
    int64_t v;
    RT_CHECK(snow_term_int(back, &v) == 0);
    ck_assert_int_eq(v, -1); /* RING * LAPS hops, then the parent */
    snow_term_release(back);
    snow_term *stop = snow_atom("stop");
    for (int i = 0; i < RING; i++)
        snow_send(pids[i], stop);
    free(pids);
    rt_ok();
}

START_TEST(ring_token)
{
    rt_start(getenv("RING_SCHED") ? (unsigned)atoi(getenv("RING_SCHED")) : 2);
    rt_run(body_ring, NULL, "ok", 120000);
    rt_stop();
}
END_TEST

/* ---- many senders (processes and plain threads) to one sleeping receiver ---- */

#define SENDERS_P 16
#define SENDERS_T 4
#define PER_SENDER 5000

static void body_collector(const snow_term *arg)
{
    (void)arg;
    int64_t next[SENDERS_P + SENDERS_T] = {0};
    for (long n = 0; n < (long)(SENDERS_P + SENDERS_T) * PER_SENDER; n++) {
        snow_term *m = rt_recv(30000);
        const snow_term *a, *b;
        int64_t who, seq;
        RT_CHECK(snow_term_elem(m, 0, &a) == 0);
        RT_CHECK(snow_term_elem(m, 1, &b) == 0);
        RT_CHECK(snow_term_int(a, &who) == 0);
        RT_CHECK(snow_term_int(b, &seq) == 0);
        RT_CHECK(seq == next[who]); /* per-sender order */
        next[who]++;
        snow_term_release(m);
    }
    snow_term *none;
    ck_assert_snow_err(snow_receive(0, &none), SNOW_ETIMEDOUT);
    rt_ok();
}

struct sender_arg {
    snow_pid to;
    int64_t who;
};

static void send_burst(snow_pid to, int64_t who)
{
    for (int64_t i = 0; i < PER_SENDER; i++) {
        snow_term *m = snow_tuple(2, snow_int(who), snow_int(i));
        RT_CHECK(snow_send(to, m) == 0);
        snow_term_release(m);
        if ((i & 127) == 0)
            snow_sleep(0); /* let the receiver drain and go back to sleep */
    }
}

static void body_sender(const snow_term *arg)
{
    const snow_term *a, *b;
    snow_pid to;
    int64_t who;
    snow_term_elem(arg, 0, &a);
    snow_term_elem(arg, 1, &b);
    RT_CHECK(snow_term_pid(a, &to) == 0);
    RT_CHECK(snow_term_int(b, &who) == 0);
    send_burst(to, who);
}

static void *thread_sender(void *p)
{
    struct sender_arg *sa = p;
    send_burst(sa->to, sa->who);
    return NULL;
}

START_TEST(many_senders_one_receiver)
{
    rt_start(2);
    for (int round = 0; round < 3; round++) {
        snow_pid rx;
        RT_CHECK(snow_spawn(body_collector, NULL, &rx) == 0);
        pthread_t th[SENDERS_T];
        struct sender_arg sa[SENDERS_T];
        for (int i = 0; i < SENDERS_T; i++) {
            sa[i] = (struct sender_arg){.to = rx, .who = SENDERS_P + i};
            ck_assert_int_eq(pthread_create(&th[i], NULL, thread_sender, &sa[i]), 0);
        }
        for (int64_t i = 0; i < SENDERS_P; i++) {
            snow_term *a = snow_tuple(2, snow_pid_term(rx), snow_int(i));
            snow_pid s;
            RT_CHECK(snow_spawn(body_sender, a, &s) == 0);
            snow_term_release(a);
            RT_CHECK(snow_join(s, 30000, NULL) == 0);
        }
        for (int i = 0; i < SENDERS_T; i++)
            pthread_join(th[i], NULL);
        snow_term *reason;
        RT_CHECK(snow_join(rx, 60000, &reason) == 0);
        ck_assert(snow_term_is_atom(reason, "ok"));
        snow_term_release(reason);
    }
    rt_stop();
}
END_TEST

/* ---- ping-pong: every message wakes the other side ---- */

static void body_ponger(const snow_term *arg)
{
    (void)arg;
    for (;;) {
        snow_term *m = rt_recv(30000);
        const snow_term *from;
        snow_pid to;
        if (snow_term_elem(m, 0, &from) != 0) {
            snow_term_release(m);
            return;
        }
        snow_term_pid(from, &to);
        snow_send(to, m);
        snow_term_release(m);
    }
}

static void body_pinger(const snow_term *arg)
{
    snow_pid pong;
    RT_CHECK(snow_term_pid(arg, &pong) == 0);
    snow_term *me = snow_pid_term(snow_self());
    for (int64_t i = 0; i < 100000; i++) {
        snow_term *m = snow_tuple(2, snow_term_ref(me), snow_int(i));
        snow_send(pong, m);
        snow_term_release(m);
        snow_term *r = rt_recv(30000);
        const snow_term *e;
        int64_t v;
        snow_term_elem(r, 1, &e);
        snow_term_int(e, &v);
        RT_CHECK(v == i);
        snow_term_release(r);
    }
    snow_term_release(me);
    snow_send(pong, snow_atom("stop"));
    rt_ok();
}

START_TEST(ping_pong_wakeups)
{
    rt_start(2);
    snow_pid pong;
    RT_CHECK(snow_spawn(body_ponger, NULL, &pong) == 0);
    snow_term *pt = snow_pid_term(pong);
    rt_run(body_pinger, pt, "ok", 60000);
    snow_term_release(pt);
    RT_CHECK(snow_join(pong, 10000, NULL) == 0);
    rt_stop();
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("sched");
    struct {
        const char *name;
        const TTest *fn;
    } cases[] = {
        {"million_messages_in_order", million_messages_in_order},
        {"hundred_thousand_spawn_exit", hundred_thousand_spawn_exit},
        {"ring_token", ring_token},
        {"many_senders_one_receiver", many_senders_one_receiver},
        {"ping_pong_wakeups", ping_pong_wakeups},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        /* Load tests: a documented 2x the default for sanitizer builds. */
        tcase_set_timeout(tc, 2 * SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}
