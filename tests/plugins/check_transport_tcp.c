/* SPDX-License-Identifier: MIT */
/* transport_tcp plugin: the shared transport behaviour plus what is TCP-only. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "snow_check.h"
#include "transport_cases.h"

START_TEST(no_channel_binding)
{
    char err[256];
    struct event_base *base = th_base_new();
    struct th_plugin *p = th_plugin_load(base, "transport_tcp", NULL, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    const struct snow_transport_ops *ops = th_transport(p);
    ck_assert_str_eq(p->desc->name, "transport_tcp");
    ck_assert_ptr_null(ops->channel_binding);
    ck_assert_snow_err(ops->ctl(p->state, SNOW_TRANSPORT_CTL_HAS_BINDING, NULL), SNOW_ENOTSUP);
    ck_assert_snow_err(ops->ctl(p->state, 9999, NULL), SNOW_ENOTSUP);
    char buf[128];
    struct snow_ctl_text t = {buf, sizeof buf};
    ck_assert_snow_ok(ops->ctl(p->state, SNOW_CTL_STATUS, &t));
    ck_assert_ptr_nonnull(strstr(buf, "tcp"));
    /* close() on state the transport never set up (all zero) must not
     * close descriptor 0. */
    void *zero = calloc(1, ops->conn_state_size);
    int fd0 = fcntl(0, F_GETFD);
    ops->close(p->state, NULL, zero);
    ops->close(p->state, NULL, zero);
    ck_assert_int_eq(fcntl(0, F_GETFD), fd0);
    free(zero);
    th_plugin_unload(p);
    event_base_free(base);
}
END_TEST

static int raw_connect(const char *bound)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_port = htons((uint16_t)atoi(strrchr(bound, ':') + 1));
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

struct accepted_n {
    struct snow_listener *l;
    int n;
    struct th_plugin *p;
};

static bool accepted_pred(void *arg)
{
    struct accepted_n *a = arg;
    return a->l->naccepted >= a->n;
}

static bool accept_failed_pred(void *arg)
{
    struct accepted_n *a = arg;
    return strcmp(a->p->last_msgid, "SNOW-NET-ACCEPT") == 0;
}

START_TEST(accept_survives_fd_exhaustion)
{
    char err[256];
    struct event_base *base = th_base_new();
    struct th_plugin *p = th_plugin_load(base, "transport_tcp", NULL, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    struct snow_listener l;
    ck_assert_snow_ok(th_listen(p, "127.0.0.1:0", &l));
    /* Leave exactly five free descriptors: three raw clients and two
     * accepted ends; the third accept then fails with EMFILE. */
    struct rlimit old, rl;
    getrlimit(RLIMIT_NOFILE, &old);
    int probe = open("/dev/null", O_RDONLY);
    ck_assert_int_ge(probe, 0);
    rl.rlim_cur = (rlim_t)probe + 64;
    rl.rlim_max = old.rlim_max;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    int fill[64 + 1], nfill = 0;
    fill[nfill++] = probe;
    while (nfill < 65 && (fill[nfill] = open("/dev/null", O_RDONLY)) >= 0)
        nfill++;
    ck_assert_int_ge(nfill, 5);
    for (int i = 0; i < 5; i++)
        close(fill[--nfill]);
    int c1 = raw_connect(l.bound), c2 = raw_connect(l.bound), c3 = raw_connect(l.bound);
    struct accepted_n a = {&l, 2, p};
    ck_assert(th_run_until(base, accepted_pred, &a, 5000));
    ck_assert(th_run_until(base, accept_failed_pred, &a, 5000)); /* EMFILE, logged */
    ck_assert_int_eq(l.naccepted, 2);
    close(c1); /* its accepted end closes, freeing a descriptor */
    a.n = 3;
    ck_assert(th_run_until(base, accepted_pred, &a, 5000));
    close(c2);
    close(c3);
    while (nfill > 0)
        close(fill[--nfill]);
    th_unlisten(&l);
    th_plugin_unload(p);
    event_base_free(base);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("transport_tcp");
    transport_cases_add(s, "transport_tcp", NULL);
    TCase *tc = tcase_create("no_channel_binding");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, no_channel_binding);
    suite_add_tcase(s, tc);
    tc = tcase_create("accept_survives_fd_exhaustion");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, accept_survives_fd_exhaustion);
    suite_add_tcase(s, tc);
    return s;
}
