/* SPDX-License-Identifier: MIT */
/* Loader tests: every refusal's exact message, options, rollback, unload order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <snow/plugin_host.h>

#include "plugin_call.h"
#include "plugin_load.h"
#include "services.h"
#include "services_hooks.h"
#include "snow_check.h"

static char err[1024];
static char logbuf[4096];
static struct event_base *base;
static struct sk_plugin_set set;

static void capture_log(const char *plugin, enum snow_log_level level, const char *msgid,
                        const char *text)
{
    size_t n = strlen(logbuf);
    snprintf(logbuf + n, sizeof logbuf - n, "%s %s %s\n", plugin, msgid, text);
}

static void setup(void)
{
    ck_assert_msg(getenv("SNOW_PLUGIN_PATH") != NULL && getenv("SNOW_TOP_BUILDDIR") != NULL,
                  "run through make check (SNOW_PLUGIN_PATH, SNOW_TOP_BUILDDIR)");
    base = event_base_new();
    ck_assert_ptr_nonnull(base);
    sk_services_set_base(base);
    struct sk_service_hooks h = {.log = capture_log};
    sk_services_set_hooks(&h);
    logbuf[0] = err[0] = '\0';
    memset(&set, 0, sizeof set);
}

static void teardown(void)
{
    sk_plugin_set_unload(&set);
    sk_services_set_hooks(NULL);
    sk_services_set_base(NULL);
    event_base_free(base);
}

/* The resolved path of a fixture, as messages show it. */
static const char *fx(const char *name)
{
    static char buf[4][1024];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, sizeof buf[0], "%s/tests/plugins/.libs/%s.so", getenv("SNOW_TOP_BUILDDIR"), name);
    return b;
}

static int load(const char *text)
{
    struct sk_plugin_list l;
    int rc = sk_plugin_list_parse("t.conf", text, &l, err, sizeof err);
    if (rc == 0)
        rc = sk_plugin_set_load(&set, &l, err, sizeof err);
    sk_plugin_list_free(&l);
    return rc;
}

static void expect_refusal(const char *text, int code, const char *want)
{
    ck_assert_snow_err(load(text), code);
    ck_assert_str_eq(err, want);
    ck_assert_uint_eq(set.n, 0);
}

static const char *status(const char *name)
{
    static char buf[256];
    struct snow_ctl_text t = {buf, sizeof buf};
    struct sk_plugin *p = sk_plugin_set_find(&set, name);
    ck_assert_ptr_nonnull(p);
    ck_assert_snow_ok(sk_plugin_ctl(p, SNOW_CTL_STATUS, &t));
    return buf;
}

START_TEST(good_plugin_loads_with_defaults)
{
    ck_assert_snow_ok(load("transport fx_good\n"));
    ck_assert_uint_eq(set.n, 1);
    struct sk_plugin *p = set.items[0];
    ck_assert_str_eq(p->name, "fx_good");
    ck_assert_str_eq(p->path, fx("fx_good"));
    ck_assert_int_eq(p->line, 1);
    ck_assert_int_eq(p->kind, SNOW_PLUGIN_TRANSPORT);
    ck_assert_uint_eq(sk_transport_conn_state_size(p), 16);
    ck_assert_str_eq(status("fx_good"),
                     "port=4369 timeout=5000 verbose=0 label=- certfile=- need=-");
    ck_assert_str_eq(logbuf, "fx_good SNOW-FX-INIT fx_good ready on port 4369\n");
    /* Defaults for absent optional slots; mandatory ones reach the plugin. */
    char canon[64], peer[8];
    ck_assert_snow_ok(sk_transport_addr_parse(p, "127.0.0.1:1", canon, sizeof canon));
    ck_assert_str_eq(canon, "127.0.0.1:1");
    ck_assert_snow_err(sk_transport_addr_parse(p, "127.0.0.1:1", canon, 4), SNOW_ERANGE);
    ck_assert_int_eq(sk_transport_peer_format(p, NULL, NULL, peer, sizeof peer), 1);
    ck_assert_str_eq(peer, "?");
    ck_assert_snow_err(sk_transport_channel_binding(p, NULL, NULL, canon, 32), SNOW_ENOTSUP);
    ck_assert_snow_err(sk_transport_connect(p, NULL, NULL, "x"), SNOW_ECONNREFUSED);
    sk_transport_flush(p, NULL, NULL);
    ck_assert_snow_err(sk_plugin_ctl(p, 12345, NULL), SNOW_ENOTSUP);
    ck_assert_ptr_eq(sk_plugin_set_kind(&set, SNOW_PLUGIN_TRANSPORT, 0), p);
    ck_assert_ptr_null(sk_plugin_set_kind(&set, SNOW_PLUGIN_TRANSPORT, 1));
    ck_assert_ptr_null(sk_plugin_set_kind(&set, SNOW_PLUGIN_AUTH, 0));
}
END_TEST

START_TEST(options_reach_the_plugin)
{
    ck_assert_snow_ok(load("\ntransport fx_good fx_good.so port=80 timeout=1h verbose=yes "
                           "label=\"a b\" certfile=/etc/c.pem\n"));
    ck_assert_str_eq(status("fx_good"),
                     "port=80 timeout=3600000 verbose=1 label=a b certfile=/etc/c.pem need=-");
    ck_assert_int_eq(set.items[0]->line, 2);
}
END_TEST

START_TEST(absolute_path_is_used_as_given)
{
    char text[1200];
    snprintf(text, sizeof text, "transport fx_good %s\n", fx("fx_good"));
    ck_assert_snow_ok(load(text));
    snprintf(text, sizeof text, "transport fx_good %s/tests/plugins\n", getenv("SNOW_TOP_BUILDDIR"));
    sk_plugin_set_unload(&set);
    char want[1400];
    snprintf(want, sizeof want, "t.conf:1: plugin \"fx_good\" (%s/tests/plugins): not a regular file",
             getenv("SNOW_TOP_BUILDDIR"));
    expect_refusal(text, SNOW_ECONFIG, want);
    expect_refusal("transport fx_good /nonexistent/fx.so\n", SNOW_ECONFIG,
                   "t.conf:1: plugin \"fx_good\" (/nonexistent/fx.so): no such file");
}
END_TEST

START_TEST(not_found_names_the_search_path)
{
    ck_assert_snow_err(load("transport nope\n"), SNOW_ECONFIG);
    const char *want = "t.conf:1: plugin \"nope\" (nope.so): not found (searched ";
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got: %s", err);
    ck_assert_ptr_nonnull(strstr(err, "/tests/plugins/.libs"));
    /* SNOW_PLUGIN_PATH overrides; without it the plugin directory is used. */
    char want2[1400];
    snprintf(want2, sizeof want2, "t.conf:1: plugin \"nope\" (nope.so): not found (searched %s)",
             getenv("SNOW_PLUGIN_PATH"));
    ck_assert_str_eq(err, want2);
    unsetenv("SNOW_PLUGIN_PATH");
    ck_assert_snow_err(load("transport nope\n"), SNOW_ECONFIG);
    ck_assert_msg(strstr(err, "/snow/plugins)") != NULL, "got: %s", err);
    ck_assert_snow_err(load("transport fx_good\n"), SNOW_ECONFIG);
}
END_TEST

START_TEST(dlopen_failure_hints_at_ldd)
{
    char path[] = "/tmp/snow-junk-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "not an ELF file\n", 16), 16);
    close(fd);
    char text[128];
    snprintf(text, sizeof text, "bridge junk %s\n", path);
    ck_assert_snow_err(load(text), SNOW_EPLUGIN);
    unlink(path);
    char head[256];
    snprintf(head, sizeof head, "t.conf:1: plugin \"junk\" (%s): dlopen failed: ", path);
    ck_assert_msg(strncmp(err, head, strlen(head)) == 0, "got: %s", err);
    const char *tail = " (check its dependencies with ldd)";
    ck_assert_str_eq(err + strlen(err) - strlen(tail), tail);
    ck_assert_uint_eq(set.n, 0);
}
END_TEST

START_TEST(bad_magic_is_refused)
{
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:1: plugin \"fx_bad_magic\" (%s): not a Snow plugin (bad magic 0x7f454c46)",
             fx("fx_bad_magic"));
    expect_refusal("transport fx_bad_magic\n", SNOW_EABI, want);
}
END_TEST

START_TEST(abi_major_names_both_versions)
{
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:1: plugin \"fx_abi_major\" (%s): built for plugin ABI 2.x; this kernel "
             "provides 1.0",
             fx("fx_abi_major"));
    expect_refusal("transport fx_abi_major\n", SNOW_EABI, want);
}
END_TEST

START_TEST(abi_minor_names_both_versions)
{
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:1: plugin \"fx_abi_minor\" (%s): needs plugin ABI >= 1.1; this kernel "
             "provides 1.0",
             fx("fx_abi_minor"));
    expect_refusal("transport fx_abi_minor\n", SNOW_EABI, want);
}
END_TEST

START_TEST(v1_sized_plugin_still_loads)
{
    ck_assert_snow_ok(load("transport fx_v1 need=yes\n"));
    ck_assert_uint_eq(set.items[0]->desc->desc_size, SNOW_PLUGIN_DESC_V1_SIZE);
    ck_assert_str_eq(status("fx_v1"),
                     "port=4369 timeout=5000 verbose=0 label=- certfile=- need=yes");
    sk_plugin_set_unload(&set);
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:1: plugin \"fx_v1\" (%s): missing required option \"need\"", fx("fx_v1"));
    expect_refusal("transport fx_v1\n", SNOW_ECONFIG, want);
}
END_TEST

START_TEST(larger_descriptor_from_newer_header_loads)
{
    ck_assert_snow_ok(load("transport fx_big\n"));
    ck_assert_uint_gt(set.items[0]->desc->desc_size, sizeof(struct snow_plugin_desc));
    ck_assert_str_eq(set.items[0]->desc->version, "9.9");
}
END_TEST

START_TEST(null_mandatory_slot_is_refused)
{
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:1: plugin \"fx_null_slot\" (%s): mandatory slot `connect` is NULL",
             fx("fx_null_slot"));
    expect_refusal("transport fx_null_slot\n", SNOW_EABI, want);
}
END_TEST

START_TEST(missing_entry_symbol_is_refused)
{
    char want[1400];
    snprintf(want, sizeof want, "t.conf:1: plugin \"fx_no_symbol\" (%s): does not export snow_plugin",
             fx("fx_no_symbol"));
    expect_refusal("transport fx_no_symbol\n", SNOW_EABI, want);
}
END_TEST

START_TEST(tiny_entry_symbol_is_refused)
{
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:1: plugin \"fx_tiny\" (%s): not a Snow plugin (snow_plugin is 2 bytes)",
             fx("fx_tiny"));
    expect_refusal("transport fx_tiny\n", SNOW_EABI, want);
}
END_TEST

START_TEST(init_failure_carries_the_plugin_reason)
{
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:1: plugin \"fx_init_fail\" (%s): init failed: SNOW_EIO: cannot open "
             "/nonexistent/key.pem: No such file or directory",
             fx("fx_init_fail"));
    expect_refusal("transport fx_init_fail\n", SNOW_EPLUGIN, want);
}
END_TEST

START_TEST(duplicate_name_points_at_first)
{
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:3: plugin \"fx_good\" (%s): name \"fx_good\" is already loaded from t.conf:1",
             fx("fx_dup"));
    expect_refusal("transport fx_good\n# dup below\ntransport fx_good fx_dup.so\n", SNOW_EEXIST,
                   want);
    /* The first one was unloaded again: all or nothing. */
    ck_assert_ptr_nonnull(strstr(logbuf, "SNOW-FX-FINI fx_good"));
}
END_TEST

START_TEST(unknown_option_suggests)
{
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:1:19: plugin \"fx_good\" (%s): unknown option \"prot\" (did you mean "
             "\"port\"?)",
             fx("fx_good"));
    expect_refusal("transport fx_good prot=1\n", SNOW_ECONFIG, want);
    ck_assert_str_eq(logbuf, ""); /* init never ran */
}
END_TEST

START_TEST(kind_and_name_must_match_the_list)
{
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:1: plugin \"fx_good\" (%s): plugin kind is transport; the list says auth",
             fx("fx_good"));
    expect_refusal("auth fx_good\n", SNOW_EABI, want);
    snprintf(want, sizeof want,
             "t.conf:1: plugin \"other\" (%s): plugin calls itself \"fx_good\"; the list says "
             "\"other\"",
             fx("fx_good"));
    expect_refusal("transport other fx_good.so\n", SNOW_EABI, want);
}
END_TEST

START_TEST(failed_init_is_rolled_back)
{
    char want[1400];
    snprintf(want, sizeof want,
             "t.conf:1: plugin \"fx_rollback\" (%s): init failed: SNOW_EPLUGIN: failing after "
             "registering 5 things",
             fx("fx_rollback"));
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    char text[64];
    snprintf(text, sizeof text, "transport fx_rollback fd=%d\n", p[0]);
    expect_refusal(text, SNOW_EPLUGIN, want);
    /* A readable fd whose watch survived would now call into the unloaded
     * plugin (and abort). */
    ck_assert_int_eq(write(p[1], "x", 1), 1);
    /* Timer, fd watch and run_soon events are gone from the loop... */
    ck_assert_int_eq(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED |
                                                         EVENT_BASE_COUNT_ACTIVE),
                     0);
    ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    /* ...the subscription is gone (its callback would abort)... */
    sk_services_node_event("a@h", true, 0);
    /* ...and so is the channel: the name is free again. */
    ck_assert_snow_err(sk_services_channel_deliver("fx.rollback", "a@h", "x", 1), SNOW_ENOENT);
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(whole_list_is_all_or_nothing)
{
    ck_assert_snow_err(load("transport fx_good\ntransport fx_v1 need=1\ntransport fx_bad_magic\n"),
                       SNOW_EABI);
    ck_assert_uint_eq(set.n, 0);
    ck_assert_ptr_nonnull(strstr(err, "t.conf:3: plugin \"fx_bad_magic\""));
    /* Unloaded in reverse order. */
    const char *a = strstr(logbuf, "SNOW-FX-FINI fx_v1");
    const char *b = strstr(logbuf, "SNOW-FX-FINI fx_good");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert(a < b);
}
END_TEST

START_TEST(unload_in_reverse_order)
{
    ck_assert_snow_ok(load("transport fx_good\ntransport fx_v1 need=1\ntransport fx_big\n"));
    ck_assert_uint_eq(set.n, 3);
    logbuf[0] = '\0';
    sk_plugin_set_unload(&set);
    ck_assert_uint_eq(set.n, 0);
    ck_assert_str_eq(logbuf, "fx_big SNOW-FX-FINI fx_big\nfx_v1 SNOW-FX-FINI fx_v1\n"
                             "fx_good SNOW-FX-FINI fx_good\n");
}
END_TEST

START_TEST(public_api_loads_once)
{
    size_t n0 = snow_plugins_count();
    ck_assert_uint_eq(n0, 0);
    ck_assert_snow_ok(snow_plugins_load_text("node.conf", "transport fx_good\n", err, sizeof err));
    ck_assert_uint_eq(snow_plugins_count(), 1);
    const char *name, *kind, *version;
    ck_assert_snow_ok(snow_plugins_info(0, &name, &kind, &version));
    ck_assert_str_eq(name, "fx_good");
    ck_assert_str_eq(kind, "transport");
    ck_assert_str_eq(version, "1.0");
    ck_assert_snow_err(snow_plugins_info(1, &name, NULL, NULL), SNOW_ENOENT);
    ck_assert_snow_err(snow_plugins_load_text("x", "transport fx_v1 need=1\n", err, sizeof err),
                       SNOW_ESTATE);
    ck_assert_snow_ok(snow_plugins_unload());
    ck_assert_snow_err(snow_plugins_unload(), SNOW_ESTATE);
    ck_assert_snow_err(snow_plugins_load_text("x", NULL, err, sizeof err), SNOW_EINVAL);
    ck_assert_snow_err(snow_plugins_load("/nonexistent.conf", NULL, 0), SNOW_ECONFIG);
    /* The default list needs the real plugins; here they are not built. */
    int rc = snow_plugins_load(NULL, err, sizeof err);
    if (rc == 0) {
        ck_assert_uint_eq(snow_plugins_count(), 3);
        snow_plugins_unload();
    } else {
        const char *want = "<default>:2: plugin \"transport_tls\"";
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got: %s", err);
    }
}
END_TEST

START_TEST(size_macros_read_only_inside_size)
{
    struct snow_transport_ops ops = {.size = SNOW_TRANSPORT_OPS_V1_SIZE};
    ck_assert(SNOW_OPS_HAS(&ops, peer_format));
    ops.size = offsetof(struct snow_transport_ops, send);
    ck_assert(SNOW_OPS_HAS(&ops, connect));
    ck_assert(!SNOW_OPS_HAS(&ops, send));
    const struct snow_services *svc = sk_services_table();
    ck_assert(SNOW_SVC_HAS(svc, stf_decode));
    ck_assert_uint_eq(svc->size, sizeof *svc);
    ck_assert_int_eq(svc->abi_major, SNOW_PLUGIN_ABI_MAJOR);
    ck_assert_int_eq(svc->abi_minor, SNOW_PLUGIN_ABI_MINOR);
    /* Every slot within size is non-NULL (kernel guarantee). */
    const char *p = (const char *)&svc->opt_bool;
    for (; p + sizeof(void (*)(void)) <= (const char *)svc + svc->size; p += sizeof(void (*)(void))) {
        void (*fn)(void);
        memcpy(&fn, p, sizeof fn);
        ck_assert_ptr_nonnull((void *)(uintptr_t)fn);
    }
    char why[128];
    struct snow_bridge_ops small = {.size = 4};
    ck_assert_snow_err(sk_plugin_ops_check(SNOW_PLUGIN_BRIDGE, &small, why, sizeof why), SNOW_EABI);
    char want[128];
    snprintf(want, sizeof want, "bridge ops table is 4 bytes; v1 needs at least %zu",
             (size_t)SNOW_BRIDGE_OPS_V1_SIZE);
    ck_assert_str_eq(why, want);
    ck_assert_snow_err(sk_plugin_ops_check(9, &small, why, sizeof why), SNOW_EABI);
    ck_assert_str_eq(why, "unknown kind 9");
}
END_TEST

/* ---- every kind's table checks and defaults, without a .so ---- */

static int a_start(void *st, snow_conn *c, const struct snow_auth_params *p, void **hs)
{
    *hs = st;
    return 0;
}
static int a_step(void *st, void *hs, const void *in, size_t inlen, void *out, size_t outcap,
                  size_t *outlen, char *reason, size_t reasonlen)
{
    *outlen = inlen; /* claims whatever it is fed: may exceed outcap */
    if (inlen <= outcap && in != NULL)
        memcpy(out, in, inlen);
    snprintf(reason, reasonlen, "%s", inlen == 3 ? "bad" : "");
    return inlen == 3 ? SNOW_EAUTH : inlen == 2 ? SNOW_AUTH_ACCEPT : inlen == 1 ? 7 : 0;
}
static void a_end(void *st, void *hs) {}
static int d_resolve(void *st, snow_request *req, const char *node) { return SNOW_ENONODE; }
static int r_reg(void *st, snow_request *req, const char *name, snow_pid pid) { return 0; }
static int r_unreg(void *st, snow_request *req, const char *name) { return 0; }
static int r_where(void *st, snow_request *req, const char *name) { return SNOW_ENOENT; }

START_TEST(every_kind_is_checked_and_defaulted)
{
    char why[128];
    struct snow_auth_ops auth = {SNOW_OPS_HEAD(struct snow_auth_ops), .start = a_start,
                                 .end = a_end};
    ck_assert_snow_err(sk_plugin_ops_check(SNOW_PLUGIN_AUTH, &auth, why, sizeof why), SNOW_EABI);
    ck_assert_str_eq(why, "mandatory slot `step` is NULL");
    auth.step = a_step;
    ck_assert_snow_ok(sk_plugin_ops_check(SNOW_PLUGIN_AUTH, &auth, why, sizeof why));
    struct snow_discovery_ops disc = {SNOW_OPS_HEAD(struct snow_discovery_ops)};
    ck_assert_snow_err(sk_plugin_ops_check(SNOW_PLUGIN_DISCOVERY, &disc, why, sizeof why),
                       SNOW_EABI);
    ck_assert_str_eq(why, "mandatory slot `resolve` is NULL");
    disc.resolve = d_resolve;
    struct snow_registry_ops reg = {SNOW_OPS_HEAD(struct snow_registry_ops), .name_register = r_reg,
                                    .name_unregister = r_unreg};
    ck_assert_snow_err(sk_plugin_ops_check(SNOW_PLUGIN_REGISTRY, &reg, why, sizeof why),
                       SNOW_EABI);
    ck_assert_str_eq(why, "mandatory slot `whereis` is NULL");
    reg.whereis = r_where;
    struct snow_bridge_ops bridge = {SNOW_OPS_HEAD(struct snow_bridge_ops)};
    ck_assert_snow_ok(sk_plugin_ops_check(SNOW_PLUGIN_BRIDGE, &bridge, why, sizeof why));
    ck_assert_snow_err(sk_plugin_ops_check(SNOW_PLUGIN_AUTH, NULL, why, sizeof why), SNOW_EABI);
    ck_assert_str_eq(why, "auth ops table is NULL");

    /* Wrappers: optional slots absent -> documented defaults. */
    int dummy;
    struct sk_plugin p = {.kind = SNOW_PLUGIN_DISCOVERY, .ops = &disc, .state = &dummy};
    ck_assert_snow_err(sk_discovery_resolve(&p, NULL, "a@h"), SNOW_ENONODE);
    ck_assert_snow_ok(sk_discovery_publish(&p, "a@h", NULL, 0));
    sk_discovery_withdraw(&p, "a@h");
    sk_discovery_learn(&p, "b@h", NULL, 0);
    ck_assert_snow_err(sk_plugin_ctl(&p, SNOW_CTL_STATUS, NULL), SNOW_ENOTSUP);
    p = (struct sk_plugin){.kind = SNOW_PLUGIN_REGISTRY, .ops = &reg};
    ck_assert_snow_ok(sk_registry_register(&p, NULL, "n", 1));
    ck_assert_snow_ok(sk_registry_unregister(&p, NULL, "n"));
    ck_assert_snow_err(sk_registry_whereis(&p, NULL, "n"), SNOW_ENOENT);
    p = (struct sk_plugin){.kind = SNOW_PLUGIN_BRIDGE, .ops = &bridge};
    ck_assert_snow_err(sk_plugin_ctl(&p, 1, NULL), SNOW_ENOTSUP);

    /* Auth: the kernel never trusts a step's claimed output length. */
    p = (struct sk_plugin){.kind = SNOW_PLUGIN_AUTH, .ops = &auth, .state = &dummy};
    void *hs;
    unsigned char out[4];
    size_t outlen;
    char reason[96];
    ck_assert_snow_ok(sk_auth_start(&p, NULL, NULL, &hs));
    ck_assert_int_eq(sk_auth_step(&p, hs, NULL, 0, out, sizeof out, &outlen, reason, sizeof reason),
                     SNOW_AUTH_CONTINUE);
    ck_assert_int_eq(sk_auth_step(&p, hs, "ok", 2, out, sizeof out, &outlen, reason, sizeof reason),
                     SNOW_AUTH_ACCEPT);
    ck_assert_uint_eq(outlen, 2);
    ck_assert_int_eq(sk_auth_step(&p, hs, "bad", 3, out, sizeof out, &outlen, reason, sizeof reason),
                     SNOW_EAUTH);
    ck_assert_str_eq(reason, "bad");
    ck_assert_int_eq(sk_auth_step(&p, hs, "x", 1, out, sizeof out, &outlen, reason, sizeof reason),
                     SNOW_EPLUGIN); /* 7 is not a valid step result */
    ck_assert_int_eq(sk_auth_step(&p, hs, "toolong", 7, out, sizeof out, &outlen, reason,
                                  sizeof reason),
                     SNOW_EPLUGIN);
    ck_assert_uint_eq(outlen, 0);
    ck_assert_str_eq(reason, "auth plugin produced 7 bytes into a 4-byte buffer");
    sk_auth_end(&p, hs);
}
END_TEST

START_TEST(describe_reads_the_descriptor_only)
{
    char out[1024];
    int n = snow_plugin_describe("fx_good.so", out, sizeof out, err, sizeof err);
    ck_assert_msg(n > 0, "%s", err);
    ck_assert_int_eq((size_t)n, strlen(out));
    char want[2048];
    snprintf(want, sizeof want,
             "name: fx_good\nkind: transport\nversion: 1.0\nsummary: loader test fixture\n"
             "abi: 1.0 (needs kernel >= 1.0; this kernel provides 1.0)\nfile: %s\n"
             "option port: int, default 4369, range [1, 65535] -- port\n"
             "option timeout: duration, default 5s -- timeout\n"
             "option verbose: bool, default false -- chatty\n"
             "option label: string -- free text\n"
             "option certfile: path -- a file\n",
             fx("fx_good"));
    ck_assert_str_eq(out, want);
    ck_assert_str_eq(logbuf, ""); /* init never ran */
    /* Truncation is snprintf-like. */
    char small[8];
    ck_assert_int_eq(snow_plugin_describe("fx_good.so", small, sizeof small, NULL, 0), n);
    ck_assert_str_eq(small, "name: f");
    /* A plugin the loader refuses: the same reason, prefixed by its path. */
    snprintf(want, sizeof want, "%s: built for plugin ABI 2.x; this kernel provides 1.0",
             fx("fx_abi_major"));
    ck_assert_snow_err(snow_plugin_describe("fx_abi_major.so", out, sizeof out, err, sizeof err),
                       SNOW_EABI);
    ck_assert_str_eq(err, want);
    ck_assert_snow_err(snow_plugin_describe("/nonexistent.so", out, sizeof out, err, sizeof err),
                       SNOW_ECONFIG);
    ck_assert_str_eq(err, "/nonexistent.so: no such file");
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("plugin_load");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"good", good_plugin_loads_with_defaults},
        {"options", options_reach_the_plugin},
        {"absolute_path", absolute_path_is_used_as_given},
        {"not_found", not_found_names_the_search_path},
        {"dlopen_fails", dlopen_failure_hints_at_ldd},
        {"bad_magic", bad_magic_is_refused},
        {"abi_major", abi_major_names_both_versions},
        {"abi_minor", abi_minor_names_both_versions},
        {"v1_sizes", v1_sized_plugin_still_loads},
        {"newer_larger", larger_descriptor_from_newer_header_loads},
        {"null_slot", null_mandatory_slot_is_refused},
        {"no_symbol", missing_entry_symbol_is_refused},
        {"tiny_symbol", tiny_entry_symbol_is_refused},
        {"init_fail", init_failure_carries_the_plugin_reason},
        {"duplicate", duplicate_name_points_at_first},
        {"unknown_option", unknown_option_suggests},
        {"kind_name_match", kind_and_name_must_match_the_list},
        {"rollback", failed_init_is_rolled_back},
        {"all_or_nothing", whole_list_is_all_or_nothing},
        {"reverse_unload", unload_in_reverse_order},
        {"public_api", public_api_loads_once},
        {"size_macros", size_macros_read_only_inside_size},
        {"every_kind", every_kind_is_checked_and_defaulted},
        {"describe", describe_reads_the_descriptor_only},
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
