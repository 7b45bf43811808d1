/* SPDX-License-Identifier: MIT */
/* Tests for the services table: loop services, channels, node events, hooks. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "services.h"
#include "services_hooks.h"
#include "snow_check.h"

static struct event_base *base;
static const struct snow_services *svc;
static snow_plugin_ctx *ctx;
static int owner_tag;

static void setup(void)
{
    evthread_use_pthreads();
    base = event_base_new();
    ck_assert_ptr_nonnull(base);
    sk_services_set_base(base);
    svc = sk_services_table();
    ctx = sk_services_ctx_new("tplug", &owner_tag);
    ck_assert_ptr_nonnull(ctx);
}

static void teardown(void)
{
    if (ctx != NULL)
        sk_services_ctx_free(ctx);
    sk_services_set_hooks(NULL);
    sk_services_set_base(NULL);
    event_base_free(base);
}

static void guard_fire(evutil_socket_t fd, short what, void *arg)
{
    *(int *)arg = 1;
}

/* Runs the loop until *flag becomes non-zero; at most 5 s (a bounded wait
 * on an event, never a sleep). */
static void run_until(const int *flag)
{
    int expired = 0;
    struct event *guard = evtimer_new(base, guard_fire, &expired);
    struct timeval tv = {5, 0};
    evtimer_add(guard, &tv);
    while (*flag == 0 && !expired)
        event_base_loop(base, EVLOOP_ONCE);
    event_free(guard);
    ck_assert_msg(*flag != 0, "event did not happen within 5 s");
}

START_TEST(ctx_knows_its_plugin)
{
    ck_assert_ptr_eq(sk_services_ctx_plugin(ctx), &owner_tag);
    ck_assert_str_eq(sk_services_ctx_name(ctx), "tplug");
    ck_assert_uint_eq(sk_services_ctx_resources(ctx), 0);
    ck_assert_ptr_eq(svc->event_base(ctx), base);
    int64_t a = svc->now_ns(ctx), b = svc->now_ns(ctx);
    ck_assert_int_le(a, b);
}
END_TEST

/* ---- timers ---- */
static int fired[4];
static uint64_t self_id;

static void timer_cb(void *arg)
{
    fired[(intptr_t)arg]++;
}

static void timer_self_cancel(void *arg)
{
    fired[3] = svc->timer_cancel(ctx, self_id) == SNOW_ENOENT ? 1 : -1;
}

START_TEST(timers_fire_and_cancel)
{
    uint64_t a, b;
    memset(fired, 0, sizeof fired);
    ck_assert_snow_ok(svc->timer_add(ctx, 1, timer_cb, (void *)(intptr_t)0, &a));
    ck_assert_snow_ok(svc->timer_add(ctx, 0, timer_cb, (void *)(intptr_t)1, &b));
    ck_assert_snow_ok(svc->timer_add(ctx, 0, timer_self_cancel, NULL, &self_id));
    ck_assert_uint_eq(sk_services_ctx_resources(ctx), 3);
    ck_assert_snow_ok(svc->timer_cancel(ctx, a));
    ck_assert_snow_err(svc->timer_cancel(ctx, a), SNOW_ENOENT);
    run_until(&fired[1]);
    run_until(&fired[3]);
    ck_assert_int_eq(fired[3], 1);
    ck_assert_int_eq(fired[0], 0);
    ck_assert_snow_err(svc->timer_cancel(ctx, b), SNOW_ENOENT);
    ck_assert_uint_eq(sk_services_ctx_resources(ctx), 0);
    ck_assert_snow_err(svc->timer_add(ctx, -1, timer_cb, NULL, &a), SNOW_EINVAL);
    ck_assert_snow_err(svc->timer_add(ctx, 1, NULL, NULL, &a), SNOW_EINVAL);
    sk_services_set_base(NULL);
    ck_assert_snow_err(svc->timer_add(ctx, 1, timer_cb, NULL, &a), SNOW_ESTATE);
    sk_services_set_base(base);
}
END_TEST

/* ---- fd watches ---- */
static uint64_t watch_id;
static int watch_seen;

static void watch_cb(void *arg, int fd, unsigned ready)
{
    char c;
    ck_assert(ready & SNOW_FD_READ);
    ck_assert_int_eq(read(fd, &c, 1), 1);
    watch_seen = c;
    /* Unwatching from inside the callback is allowed. */
    ck_assert_snow_ok(svc->fd_unwatch(ctx, watch_id));
}

START_TEST(fd_watch_reports_readiness)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_snow_ok(svc->fd_watch(ctx, p[0], 0, watch_cb, NULL, &watch_id));
    ck_assert_snow_ok(svc->fd_modify(ctx, watch_id, SNOW_FD_READ));
    ck_assert_snow_err(svc->fd_modify(ctx, watch_id, 8), SNOW_EINVAL);
    ck_assert_int_eq(write(p[1], "z", 1), 1);
    run_until(&watch_seen);
    ck_assert_int_eq(watch_seen, 'z');
    ck_assert_snow_err(svc->fd_unwatch(ctx, watch_id), SNOW_ENOENT);
    ck_assert_snow_err(svc->fd_modify(ctx, watch_id, SNOW_FD_READ), SNOW_ENOENT);
    ck_assert_snow_err(svc->fd_watch(ctx, -1, SNOW_FD_READ, watch_cb, NULL, &watch_id),
                       SNOW_EINVAL);
    close(p[0]);
    close(p[1]);
}
END_TEST

/* ---- run_soon from another thread ---- */
static int soon_ran;
static pthread_t loop_thread;

static void soon_cb(void *arg)
{
    ck_assert(pthread_equal(pthread_self(), loop_thread));
    soon_ran = 1;
}

static void *soon_thread(void *arg)
{
    int rc = svc->run_soon(ctx, soon_cb, NULL);
    return (void *)(intptr_t)rc;
}

START_TEST(run_soon_hands_work_to_the_loop)
{
    pthread_t t;
    void *rc;
    loop_thread = pthread_self();
    ck_assert_int_eq(pthread_create(&t, NULL, soon_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(t, &rc), 0);
    ck_assert_int_eq((int)(intptr_t)rc, 0);
    run_until(&soon_ran);
}
END_TEST

/* ---- node events ---- */
static char events[256];
static uint64_t sub_a, sub_b;

static void node_cb(void *arg, const char *node, bool up, int reason)
{
    size_t n = strlen(events);
    snprintf(events + n, sizeof events - n, "%s:%s:%s:%d;", (const char *)arg, node,
             up ? "up" : "down", reason);
    /* b unsubscribes itself on the first event it sees. */
    if (strcmp(arg, "b") == 0)
        ck_assert_snow_ok(svc->node_unsubscribe(ctx, sub_b));
}

START_TEST(node_events_reach_subscribers)
{
    events[0] = '\0';
    ck_assert_snow_ok(svc->node_subscribe(ctx, node_cb, "a", &sub_a));
    ck_assert_snow_ok(svc->node_subscribe(ctx, node_cb, "b", &sub_b));
    sk_services_node_event("n1@h", true, 0);
    sk_services_node_event("n1@h", false, SNOW_ETIMEDOUT);
    ck_assert_ptr_nonnull(strstr(events, "a:n1@h:up:0;"));
    ck_assert_ptr_nonnull(strstr(events, "b:n1@h:up:0;"));
    ck_assert_ptr_nonnull(strstr(events, "a:n1@h:down:-3;"));
    ck_assert_ptr_null(strstr(events, "b:n1@h:down"));
    ck_assert_snow_ok(svc->node_unsubscribe(ctx, sub_a));
    ck_assert_snow_err(svc->node_unsubscribe(ctx, sub_a), SNOW_ENOENT);
    ck_assert_snow_err(svc->node_subscribe(ctx, NULL, NULL, &sub_a), SNOW_EINVAL);
}
END_TEST

/* ---- channels ---- */
static char got[64];
static snow_channel *chan;

static void chan_cb(void *arg, const char *node, const void *data, size_t len)
{
    snprintf(got, sizeof got, "%s:%.*s", node, (int)len, (const char *)data);
    if (len == 5 && memcmp(data, "close", 5) == 0)
        svc->channel_close(ctx, chan);
}

static char sent[128];

static int hook_channel_send(snow_plugin_ctx *c, const char *channel, const char *node,
                             const void *data, size_t len)
{
    ck_assert_ptr_eq(c, ctx);
    snprintf(sent, sizeof sent, "%s>%s:%zu", channel, node, len);
    return 0;
}

static int hook_stf_encode(snow_plugin_ctx *c, const snow_term *t, void *buf, size_t len,
                           size_t *outlen)
{
    *outlen = 7;
    if (len < 7)
        return SNOW_ERANGE;
    memcpy(buf, "STFTERM", 7);
    return 0;
}

START_TEST(channels_open_deliver_close)
{
    snow_channel *other;
    ck_assert_snow_ok(svc->channel_open(ctx, "reg.global", chan_cb, NULL, &chan));
    ck_assert_snow_err(svc->channel_open(ctx, "reg.global", chan_cb, NULL, &other), SNOW_EEXIST);
    ck_assert_snow_err(svc->channel_open(ctx, "Bad Name", chan_cb, NULL, &other), SNOW_EINVAL);
    ck_assert_snow_ok(sk_services_channel_deliver("reg.global", "b@h", "hi", 2));
    ck_assert_str_eq(got, "b@h:hi");
    ck_assert_snow_err(sk_services_channel_deliver("nope", "b@h", "hi", 2), SNOW_ENOENT);
    /* Without the dist layer, sending is not supported yet. */
    ck_assert_snow_err(svc->channel_send(ctx, chan, "b@h", "x", 1), SNOW_ENOTSUP);
    struct sk_service_hooks h = {.channel_send = hook_channel_send, .stf_encode = hook_stf_encode};
    sk_services_set_hooks(&h);
    ck_assert_snow_ok(svc->channel_send(ctx, chan, "b@h", "xyz", 3));
    ck_assert_str_eq(sent, "reg.global>b@h:3");
    ck_assert_snow_ok(svc->channel_send_term(ctx, chan, "c@h", (const snow_term *)&h));
    ck_assert_str_eq(sent, "reg.global>c@h:7");
    /* Closing from inside its own callback. */
    ck_assert_snow_ok(sk_services_channel_deliver("reg.global", "b@h", "close", 5));
    ck_assert_snow_err(sk_services_channel_deliver("reg.global", "b@h", "x", 1), SNOW_ENOENT);
    ck_assert_snow_ok(svc->channel_open(ctx, "reg.global", chan_cb, NULL, &chan));
}
END_TEST

/* ---- teardown of what a plugin leaves behind ---- */
static void never(void *arg)
{
    ck_abort_msg("callback of a freed context ran");
}

static void never_node(void *arg, const char *node, bool up, int reason)
{
    ck_abort_msg("subscription of a freed context ran");
}

START_TEST(ctx_free_tears_everything_down)
{
    uint64_t id;
    snow_channel *ch;
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_snow_ok(svc->timer_add(ctx, 0, never, NULL, &id));
    ck_assert_snow_ok(svc->fd_watch(ctx, p[0], SNOW_FD_READ, (snow_fd_fn)(void (*)(void))never,
                                    NULL, &id));
    ck_assert_snow_ok(svc->node_subscribe(ctx, never_node, NULL, &id));
    ck_assert_snow_ok(svc->channel_open(ctx, "left.over", (snow_channel_fn)(void (*)(void))never,
                                        NULL, &ch));
    ck_assert_snow_ok(svc->run_soon(ctx, never, NULL));
    ck_assert_uint_eq(sk_services_ctx_resources(ctx), 4);
    sk_services_ctx_free(ctx);
    ctx = NULL;
    ck_assert_int_eq(write(p[1], "x", 1), 1);
    ck_assert_int_eq(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED |
                                                         EVENT_BASE_COUNT_ACTIVE),
                     0);
    ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    sk_services_node_event("x@h", true, 0);
    ck_assert_snow_err(sk_services_channel_deliver("left.over", "x@h", "", 0), SNOW_ENOENT);
    close(p[0]);
    close(p[1]);
}
END_TEST

/* ---- forwarding to the dist layer ---- */
static char calls[256];

static void note(const char *what)
{
    size_t n = strlen(calls);
    snprintf(calls + n, sizeof calls - n, "%s;", what);
}

static int h_conn_new(snow_plugin_ctx *c, snow_listener *l, snow_conn **out, void **cs)
{
    note("new");
    *out = (snow_conn *)l;
    *cs = NULL;
    return 0;
}
static void h_conn_up(snow_plugin_ctx *c, snow_conn *k) { note("up"); }
static int h_conn_recv(snow_plugin_ctx *c, snow_conn *k, const void *d, size_t n)
{
    note("recv");
    return SNOW_ECLOSED;
}
static void h_conn_drained(snow_plugin_ctx *c, snow_conn *k) { note("drained"); }
static void h_conn_closed(snow_plugin_ctx *c, snow_conn *k, int code, const char *reason)
{
    char b[64];
    snprintf(b, sizeof b, "closed %s %s", snow_strerror_name(code), reason);
    note(b);
}
static const char *h_node_name(snow_plugin_ctx *c) { return "me@host"; }
static void h_log(const char *plugin, enum snow_log_level level, const char *msgid,
                  const char *text)
{
    char b[128];
    snprintf(b, sizeof b, "log %s %d %s %s", plugin, (int)level, msgid, text);
    note(b);
}

START_TEST(hooks_forward_and_default)
{
    snow_conn *c = (snow_conn *)&c;
    void *cs;
    char buf[16];
    ck_assert_snow_err(svc->conn_new(ctx, NULL, &c, &cs), SNOW_ENOTSUP);
    ck_assert_snow_err(svc->conn_recv(ctx, c, "x", 1), SNOW_ENOTSUP);
    svc->conn_up(ctx, c); /* no hook: nothing happens */
    ck_assert_str_eq(svc->node_name(ctx), "");
    ck_assert_uint_eq(svc->node_creation(ctx), 0);
    ck_assert_snow_err(svc->node_addr(ctx, 0, buf, sizeof buf), SNOW_ENOENT);
    ck_assert_snow_err(svc->cookie_get(ctx, NULL, buf, sizeof buf), SNOW_ENOENT);
    ck_assert_int_eq(svc->nodes_visit(ctx, NULL, NULL), 0);
    ck_assert_snow_err(svc->monitor(ctx, 1, NULL, NULL, NULL), SNOW_ENOTSUP);
    size_t need;
    ck_assert_snow_err(svc->stf_encode(ctx, (const snow_term *)buf, NULL, 0, &need), SNOW_ENOTSUP);

    calls[0] = '\0';
    struct sk_service_hooks h = {.conn_new = h_conn_new, .conn_up = h_conn_up,
                                 .conn_recv = h_conn_recv, .conn_drained = h_conn_drained,
                                 .conn_closed = h_conn_closed, .node_name = h_node_name,
                                 .log = h_log};
    sk_services_set_hooks(&h);
    ck_assert_snow_ok(svc->conn_new(ctx, (snow_listener *)buf, &c, &cs));
    ck_assert_ptr_eq(c, (snow_conn *)buf);
    svc->conn_up(ctx, c);
    ck_assert_snow_err(svc->conn_recv(ctx, c, "x", 1), SNOW_ECLOSED);
    svc->conn_drained(ctx, c);
    svc->conn_closed(ctx, c, SNOW_ECONNREFUSED, "connect: refused");
    ck_assert_str_eq(svc->node_name(ctx), "me@host");
    ck_assert(svc->log_enabled(ctx, SNOW_LOG_ERROR));
    svc->log(ctx, SNOW_LOG_WARN, "SNOW-T-X", "n=%d", 5);
    ck_assert_str_eq(calls, "new;up;recv;drained;closed SNOW_ECONNREFUSED connect: refused;"
                            "log tplug 4 SNOW-T-X n=5;");
}
END_TEST

/* ---- terms and processes: the public API behind ctx-first slots ---- */

START_TEST(term_slots_follow_the_term_api)
{
    snow_term *n = svc->term_int(ctx, 42);
    if (n == NULL) {
        /* Built without the terms area: every slot says so, none crashes. */
        ck_assert_ptr_null(svc->term_nil(ctx));
        ck_assert_snow_err(svc->term_get_int(ctx, NULL, NULL), SNOW_ENOTSUP);
        ck_assert_snow_err(svc->send(ctx, 1, NULL), SNOW_ENOTSUP);
        svc->term_release(ctx, NULL);
        return;
    }
    snow_term *items[2] = {svc->term_atom(ctx, "ok", 2), n};
    snow_term *t = svc->term_tuple(ctx, 2, items);
    ck_assert_ptr_nonnull(t);
    size_t sz;
    const snow_term *e;
    int64_t v;
    const char *a;
    size_t alen;
    ck_assert_snow_ok(svc->term_size(ctx, t, &sz));
    ck_assert_uint_eq(sz, 2);
    ck_assert_snow_ok(svc->term_elem(ctx, t, 1, &e));
    ck_assert_snow_ok(svc->term_get_int(ctx, e, &v));
    ck_assert_int_eq(v, 42);
    ck_assert_snow_ok(svc->term_elem(ctx, t, 0, &e));
    ck_assert_snow_ok(svc->term_get_atom(ctx, e, &a, &alen));
    ck_assert_uint_eq(alen, 2);
    ck_assert_int_eq(memcmp(a, "ok", 2), 0);
    char buf[32];
    ck_assert_int_eq(svc->term_format(ctx, t, buf, sizeof buf), 8);
    ck_assert_str_eq(buf, "{ok, 42}");
    snow_term *s = svc->term_string(ctx, "hi", 2);
    const char *sp;
    size_t slen;
    ck_assert_snow_ok(svc->term_get_string(ctx, s, &sp, &slen));
    ck_assert_uint_eq(slen, 2);
    ck_assert_snow_err(svc->term_get_int(ctx, s, &v), SNOW_ETYPE);
    svc->term_release(ctx, s);
    ck_assert_ptr_eq(svc->term_ref(ctx, t), t);
    svc->term_release(ctx, t);
    svc->term_release(ctx, t);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("services");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"ctx", ctx_knows_its_plugin},
        {"timers", timers_fire_and_cancel},
        {"fd_watch", fd_watch_reports_readiness},
        {"run_soon", run_soon_hands_work_to_the_loop},
        {"node_events", node_events_reach_subscribers},
        {"channels", channels_open_deliver_close},
        {"teardown", ctx_free_tears_everything_down},
        {"hooks", hooks_forward_and_default},
        {"terms", term_slots_follow_the_term_api},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
