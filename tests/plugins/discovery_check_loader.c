/* SPDX-License-Identifier: MIT */
/* discovery_builtin through the real loader, list-file options and services. */
#include "config.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <snow/plugin_host.h>

#include "plugin_call.h"
#include "plugin_load.h"
#include "services.h"
#include "services_hooks.h"
#include "snow_check.h"

#define WAIT_MS 3000

static struct event_base *base;

/* The kernel's request is opaque; here it is the test's own record. */
struct snow_request {
    bool done;
    int code;
    char addr[128];
};

static void hook_resolve_done(snow_plugin_ctx *ctx, snow_request *req, int code,
                              const char *const *addrs, size_t n)
{
    req->done = true;
    req->code = code;
    if (code == 0 && n > 0)
        snprintf(req->addr, sizeof req->addr, "%s", addrs[0]);
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void setup(void)
{
    static const struct sk_service_hooks hooks = {.resolve_done = hook_resolve_done};
    base = event_base_new();
    ck_assert_ptr_nonnull(base);
    sk_services_set_base(base);
    sk_services_set_hooks(&hooks);
}

static void teardown(void)
{
    if (snow_plugins_count() > 0)
        snow_plugins_unload();
    sk_services_set_hooks(NULL);
    sk_services_set_base(NULL);
    event_base_free(base);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg) { *(bool *)arg = true; }

/* Waits (bounded) for a request the plugin completes on the loop. */
static int resolve(const struct sk_plugin *p, const char *node, char *addr, size_t cap)
{
    struct snow_request req = {0};
    int rc = sk_discovery_resolve(p, &req, node);
    if (rc != 0)
        return rc;
    bool expired = false;
    struct event *ev = evtimer_new(base, deadline_cb, &expired);
    struct timeval tv = {.tv_sec = WAIT_MS / 1000};
    evtimer_add(ev, &tv);
    while (!req.done && !expired)
        event_base_loop(base, EVLOOP_ONCE);
    event_free(ev);
    if (!req.done)
        return SNOW_ETIMEDOUT;
    snprintf(addr, cap, "%s", req.addr);
    return req.code;
}

START_TEST(loads_serves_and_resolves)
{
    char list[512], err[512], addr[128], want[64];
    int port = free_port();
    snprintf(list, sizeof list,
             "# the built-in registry on a test port\n"
             "discovery discovery_builtin port=%d timeout=1s retry_min=10ms retry_max=200ms "
             "static=x@h1=10.0.0.1:1234,y@h2=10.0.0.2:99\n",
             port);
    int rc = snow_plugins_load_text("test.list", list, err, sizeof err);
    ck_assert_msg(rc == 0, "%s: %s", snow_strerror_name(rc), err);
    const struct sk_plugin *p = sk_plugin_set_find(sk_plugins_node(), "discovery_builtin");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->kind, SNOW_PLUGIN_DISCOVERY);

    const char *addrs[] = {"127.0.0.1:20001"};
    ck_assert_snow_ok(sk_discovery_publish(p, "a@127.0.0.1", addrs, 1));
    char status[256];
    struct snow_ctl_text t = {status, sizeof status};
    ck_assert_snow_ok(sk_plugin_ctl(p, SNOW_CTL_STATUS, &t));
    snprintf(want, sizeof want, "serving the registry on 127.0.0.1:%d (1 names)", port);
    ck_assert_str_eq(status, want);

    ck_assert_snow_ok(resolve(p, "x@h1", addr, sizeof addr));
    ck_assert_str_eq(addr, "10.0.0.1:1234");
    ck_assert_snow_ok(resolve(p, "y@h2", addr, sizeof addr));
    ck_assert_str_eq(addr, "10.0.0.2:99");
    ck_assert_snow_ok(resolve(p, "a@127.0.0.1", addr, sizeof addr));
    ck_assert_str_eq(addr, "127.0.0.1:20001");
    ck_assert_snow_err(resolve(p, "b@127.0.0.1", addr, sizeof addr), SNOW_ENONODE);
    sk_discovery_withdraw(p, "a@127.0.0.1");
    ck_assert_snow_ok(snow_plugins_unload());
}
END_TEST

START_TEST(bad_options_fail_the_load)
{
    char err[512];
    ck_assert_snow_err(snow_plugins_load_text("t.list", "discovery discovery_builtin port=0\n",
                                              err, sizeof err),
                       SNOW_ECONFIG);
    ck_assert_msg(strstr(err, "t.list:1") && strstr(err, "port"), "%s", err);
    ck_assert_snow_err(snow_plugins_load_text("t.list", "discovery discovery_builtin prot=1\n",
                                              err, sizeof err),
                       SNOW_ECONFIG);
    ck_assert_msg(strstr(err, "prot"), "%s", err);
    /* Options the schema accepts but the plugin refuses: init fails with
     * the plugin's reason. */
    ck_assert_snow_err(snow_plugins_load_text(
                           "t.list", "discovery discovery_builtin static=x@h1=nowhere\n", err,
                           sizeof err),
                       SNOW_EPLUGIN);
    ck_assert_msg(strstr(err, "static: entry 1"), "%s", err);
    ck_assert_uint_eq(snow_plugins_count(), 0);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("discovery_loader");
    TCase *tc = tcase_create("load");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, loads_serves_and_resolves);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad_options");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bad_options_fail_the_load);
    suite_add_tcase(s, tc);
    return s;
}
