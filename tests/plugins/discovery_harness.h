/* SPDX-License-Identifier: MIT */
/* Shared harness of the discovery plugin tests: the .so, instances, waits. */
#ifndef DISCOVERY_HARNESS_H
#define DISCOVERY_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "discovery_mocksvc.h"
#include "snow_check.h"

#define WAIT_MS 3000      /* every wait in these tests is bounded by this */
#define DSC_MAX_LOOKUPS 8 /* the plugin's DSC_LOOKUP_MAX */

/* Set up per test by setup(): the loaded plugin, the loop, a free port. */
extern const struct snow_plugin_desc *desc;
extern const struct snow_discovery_ops *ops;
extern struct event_base *base;
extern char test_port[8];

/* Checked fixture: dlopen the plugin (SNOW_PLUGIN_PATH, then
 * SNOW_TOP_BUILDDIR/plugins/.libs), a fresh loop and test port. */
void setup(void);
void teardown(void);
/* A port nobody listens on right now (127.0.0.1). */
int free_port(void);

/* Runs the loop until pred(arg) holds or ms pass; returns pred's value. */
typedef bool (*pred_fn)(void *arg);
bool run_until(pred_fn pred, void *arg, int ms);
bool never(void *arg);

/* One plugin instance on the test loop, with a mock services table. */
struct inst {
    snow_plugin_ctx ctx;
    void *state;
    char err[256];
};
/* init with `extra` options first, then the test's defaults (the test
 * port, short retry delays). Returns init's code; the reason in in->err. */
int inst_init(struct inst *in, const char *label, const char *const *extra);
void inst_start(struct inst *in, const char *label, const char *const *extra);
/* publish("<name>@127.0.0.1", "127.0.0.1:<port>"). */
void inst_publish(struct inst *in, const char *name, int port);
/* fini, asserting the plugin released every timer and watch itself. */
void inst_stop(struct inst *in);
/* The SNOW_CTL_STATUS line (static buffer). */
const char *inst_status(struct inst *in);
bool is_serving(void *arg);    /* arg: struct inst * */
bool is_registered(void *arg); /* arg: struct inst * */
bool req_done(void *arg);      /* arg: struct snow_request * */
/* One resolve, waited for: its completion code (and address). */
int resolve(struct inst *in, const char *node, char *addr, size_t cap);
/* Retries resolve within WAIT_MS until it yields `want` (NULL: ENONODE). */
bool resolves_to(struct inst *in, const char *node, const char *want);
/* Starts n instances, publishing ports 20001.. in order; the first serves,
 * the others register. */
void cluster_start(struct inst *set, size_t n, const char *const *labels);

/* A raw (blocking-connect, non-blocking-read) client of the registry. */
int raw_connect(void);
struct raw {
    int fd;
    bool closed;
    size_t len;
    char buf[4096];
};
/* Drains what the server sent; true once it closed the connection. */
bool raw_closed(void *arg);
struct raw_wait {
    struct raw *r;
    const char *want;
};
/* True once the server sent w->want (or closed). arg: struct raw_wait * */
bool raw_has(void *arg);
/* Sends bytes on a fresh connection and asserts the server drops it. */
void expect_dropped(const void *bytes, size_t len, struct raw *r);

#endif /* DISCOVERY_HARNESS_H */
