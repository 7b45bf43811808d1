/* SPDX-License-Identifier: MIT */
/* The example Unix-socket transport, loaded for real, driven through plugin_call. */
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "plugin_call.h"
#include "plugin_load.h"
#include "services.h"
#include "services_hooks.h"
#include "snow_check.h"

/* What the distribution layer will own: a connection header followed by
 * the transport's state, in one block. */
struct tconn {
    int inbound;
    int up, closed, close_code, drained;
    size_t got;
    char data[64];
    alignas(max_align_t) unsigned char cs[];
};

static struct event_base *base;
static struct sk_plugin_set set;
static struct sk_plugin *ux;
static struct tconn *accepted;
static char sockpath[64];
static char err[1024];

static struct tconn *tconn_new(int inbound)
{
    struct tconn *t = calloc(1, sizeof *t + sk_transport_conn_state_size(ux));
    ck_assert_ptr_nonnull(t);
    t->inbound = inbound;
    return t;
}

static int h_conn_new(snow_plugin_ctx *ctx, snow_listener *l, snow_conn **out, void **cs)
{
    ck_assert_ptr_null(accepted);
    accepted = tconn_new(1);
    *out = (snow_conn *)accepted;
    *cs = accepted->cs;
    return 0;
}

static void h_conn_up(snow_plugin_ctx *ctx, snow_conn *c)
{
    ((struct tconn *)c)->up = 1;
}

static int h_conn_recv(snow_plugin_ctx *ctx, snow_conn *c, const void *data, size_t len)
{
    struct tconn *t = (struct tconn *)c;
    if (t->got < sizeof t->data)
        memcpy(t->data + t->got, data, len < sizeof t->data - t->got ? len : sizeof t->data - t->got);
    t->got += len;
    return 0;
}

static void h_conn_drained(snow_plugin_ctx *ctx, snow_conn *c)
{
    ((struct tconn *)c)->drained = 1;
}

static void h_conn_closed(snow_plugin_ctx *ctx, snow_conn *c, int code, const char *reason)
{
    struct tconn *t = (struct tconn *)c;
    t->closed = 1;
    t->close_code = code;
}

static void setup(void)
{
    base = event_base_new();
    sk_services_set_base(base);
    struct sk_service_hooks h = {.conn_new = h_conn_new, .conn_up = h_conn_up,
                                 .conn_recv = h_conn_recv, .conn_drained = h_conn_drained,
                                 .conn_closed = h_conn_closed};
    sk_services_set_hooks(&h);
    struct sk_plugin_list l;
    ck_assert_snow_ok(sk_plugin_list_parse("t.conf", "transport unix backlog=8\n", &l, err,
                                           sizeof err));
    ck_assert_msg(sk_plugin_set_load(&set, &l, err, sizeof err) == 0, "%s", err);
    sk_plugin_list_free(&l);
    ux = set.items[0];
    snprintf(sockpath, sizeof sockpath, "/tmp/snow-ux-%d.sock", (int)getpid());
    accepted = NULL;
}

static void teardown(void)
{
    sk_plugin_set_unload(&set);
    sk_services_set_hooks(NULL);
    sk_services_set_base(NULL);
    event_base_free(base);
    unlink(sockpath);
}

static void guard_fire(evutil_socket_t fd, short what, void *arg)
{
    *(int *)arg = 1;
}

/* Runs the loop until *flag is set; bounded (5 s), event-driven. */
#define RUN_UNTIL(cond)                                                                 \
    do {                                                                                \
        int expired_ = 0;                                                               \
        struct event *g_ = evtimer_new(base, guard_fire, &expired_);                    \
        struct timeval tv_ = {5, 0};                                                    \
        evtimer_add(g_, &tv_);                                                          \
        while (!(cond) && !expired_)                                                    \
            event_base_loop(base, EVLOOP_ONCE);                                         \
        event_free(g_);                                                                 \
        ck_assert_msg((cond), "not within 5 s: %s", #cond);                             \
    } while (0)

START_TEST(connect_send_receive_close)
{
    char bound[128], canon[128];
    void *lstate;
    snow_listener *l = (snow_listener *)&lstate;
    ck_assert_snow_ok(sk_transport_addr_parse(ux, sockpath, canon, sizeof canon));
    ck_assert_msg(strncmp(canon, "unix:/tmp/", 10) == 0, "%s", canon);
    ck_assert_snow_ok(sk_transport_listen(ux, l, sockpath, &lstate, bound, sizeof bound));
    ck_assert_str_eq(bound, canon);

    struct tconn *out = tconn_new(0);
    ck_assert_snow_ok(sk_transport_connect(ux, (snow_conn *)out, out->cs, canon));
    RUN_UNTIL(out->up && accepted != NULL && accepted->up);

    struct snow_iov iov[2] = {{"hel", 3}, {"lo", 2}};
    ck_assert_int_ge(sk_transport_send(ux, (snow_conn *)out, out->cs, iov, 2), 0);
    sk_transport_flush(ux, (snow_conn *)out, out->cs);
    RUN_UNTIL(accepted->got >= 5);
    ck_assert_int_eq(memcmp(accepted->data, "hello", 5), 0);

    /* Back-pressure: more than the socket buffers take is queued, reported,
     * then drained. */
    size_t big = 8u << 20;
    char *blob = calloc(1, big);
    struct snow_iov b = {blob, big};
    int queued = sk_transport_send(ux, (snow_conn *)accepted, accepted->cs, &b, 1);
    free(blob); /* the transport copied what it queued */
    ck_assert_int_gt(queued, 0);
    RUN_UNTIL(out->got == big && accepted->drained);

    char peer[128];
    ck_assert_int_gt(sk_transport_peer_format(ux, (snow_conn *)out, out->cs, peer, sizeof peer), 0);
    ck_assert_str_eq(peer, canon);
    ck_assert_snow_err(sk_transport_channel_binding(ux, (snow_conn *)out, out->cs, peer, 32),
                       SNOW_ENOTSUP);
    char st[64];
    struct snow_ctl_text t = {st, sizeof st};
    ck_assert_snow_ok(sk_plugin_ctl(ux, SNOW_CTL_STATUS, &t));
    ck_assert_str_eq(st, "listeners=1 conns=2");

    /* Closing one side: the other learns the peer closed. */
    sk_transport_close(ux, (snow_conn *)out, out->cs);
    RUN_UNTIL(accepted->closed);
    ck_assert_int_eq(accepted->close_code, SNOW_ECLOSED);
    sk_transport_close(ux, (snow_conn *)accepted, accepted->cs);
    sk_transport_unlisten(ux, l, lstate);
    ck_assert_snow_ok(sk_plugin_ctl(ux, SNOW_CTL_STATUS, &t));
    ck_assert_str_eq(st, "listeners=0 conns=0");
    free(out);
    free(accepted);
}
END_TEST

START_TEST(connect_to_nothing_is_refused)
{
    struct tconn *out = tconn_new(0);
    ck_assert_snow_err(sk_transport_connect(ux, (snow_conn *)out, out->cs, sockpath),
                       SNOW_ECONNREFUSED);
    ck_assert_snow_err(sk_transport_connect(ux, (snow_conn *)out, out->cs, ""), SNOW_EINVAL);
    char canon[8];
    ck_assert_snow_err(sk_transport_addr_parse(ux, "/a/long/path", canon, sizeof canon),
                       SNOW_ERANGE);
    free(out);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("plugin_example");
    TCase *tc = tcase_create("unix_transport");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, connect_send_receive_close);
    suite_add_tcase(s, tc);
    tc = tcase_create("refused");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, connect_to_nothing_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
