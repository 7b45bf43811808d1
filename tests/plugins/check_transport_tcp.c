/* SPDX-License-Identifier: MIT */
/* transport_tcp plugin: the shared transport behaviour plus what is TCP-only. */
#include <string.h>

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
    return s;
}
