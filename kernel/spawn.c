/* SPDX-License-Identifier: MIT */
/* snow_node_spawn*: spawning by name, on this node or another (EXEC-01/02). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <snow/node.h>
#include <snow/spawn.h>

#include "dist.h"
#include "dist_spawn.h"
#include "funreg.h"

#define SPAWN_TIMEOUT_DEFAULT_MS 10000
/* How much longer than its own timeout a plain thread waits for the helper
 * process that makes the call (the helper's waits are all bounded). */
#define SPAWN_HELPER_SLACK_MS 15000

int sk_spawn_fail(int code, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    sk_dist_set_error("%s", text);
    return code;
}

static int spawn_local(const char *name, const snow_term *args, bool link, snow_pid *out)
{
    snow_proc_fn fn;
    const char *self = snow_node_self();
    if (snow_function_lookup(name, &fn) != 0)
        return sk_spawn_fail(SNOW_ENOFUNC, "spawn %s on %s: function \"%s\" is not registered",
                             name, self ? self : "this node", name);
    struct snow_spawn_opts o = {.size = sizeof o, .link = link};
    int rc = snow_spawn_opt(fn, args, &o, out, NULL);
    if (rc != 0)
        sk_spawn_fail(rc, "spawn %s on %s: %s", name, self ? self : "this node",
                      snow_strerror(rc));
    return rc;
}

/* A plain thread cannot receive: a helper process makes the call for it. */
struct spawn_helper {
    const char *node, *name;
    size_t nlen;
    const snow_term *args;
    int64_t timeout_ms;
    int rc;
    snow_pid pid;
    char err[512];
};

static void spawn_helper_main(const snow_term *arg)
{
    int64_t addr;
    snow_term_int(arg, &addr);
    struct spawn_helper *h = (struct spawn_helper *)(intptr_t)addr;
    h->rc = sk_dspawn_call(h->node, h->name, h->nlen, h->args, false, h->timeout_ms, &h->pid);
    if (h->rc != 0) /* same thread as the call's last step: the text is here */
        snprintf(h->err, sizeof h->err, "%s", snow_node_last_error());
}

static int spawn_from_thread(struct spawn_helper *h, snow_pid *out)
{
    snow_term *arg = snow_int((int64_t)(intptr_t)h);
    snow_pid helper;
    int rc = arg ? snow_spawn(spawn_helper_main, arg, &helper) : SNOW_ENOMEM;
    snow_term_release(arg);
    if (rc != 0)
        return sk_spawn_fail(rc, "spawn %s on %s: no helper process: %s", h->name, h->node,
                             snow_strerror(rc));
    rc = snow_join(helper, h->timeout_ms + SPAWN_HELPER_SLACK_MS, NULL);
    if (rc != 0) /* cannot happen unless the runtime stops: h must outlive it */
        rc = snow_join(helper, SNOW_INFINITY, NULL);
    if (h->rc != 0)
        return sk_spawn_fail(h->rc, "%s", h->err);
    *out = h->pid;
    return rc;
}

int snow_node_spawn_opt(const char *node, const char *name, const snow_term *args,
                        const struct snow_node_spawn_opts *opts, snow_pid *out)
{
    size_t nlen;
    if (out == NULL || sk_funreg_check_name(name, &nlen) != 0)
        return sk_spawn_fail(SNOW_EINVAL, "spawn: bad function name or NULL pid pointer");
    if (opts && opts->size < offsetof(struct snow_node_spawn_opts, timeout_ms))
        return sk_spawn_fail(SNOW_EINVAL, "spawn: opts.size not set");
    bool link = opts && opts->link;
    int64_t timeout = opts && opts->size >= sizeof *opts ? opts->timeout_ms : 0;
    if (timeout <= 0)
        timeout = SPAWN_TIMEOUT_DEFAULT_MS;

    const char *self = snow_node_self();
    if (node == NULL || (self && strcmp(node, self) == 0))
        return spawn_local(name, args, link, out);
    if (self == NULL)
        return sk_spawn_fail(SNOW_ENOCONN, "spawn %s on %s: this node is not distributed",
                             name, node);
    if (snow_self() == SNOW_PID_NONE) {
        if (link)
            return sk_spawn_fail(SNOW_ENOTPROC, "spawn_link %s on %s: the caller must be a "
                                 "Snow process to be linked", name, node);
        struct spawn_helper h = {.node = node, .name = name, .nlen = nlen, .args = args,
                                 .timeout_ms = timeout};
        return spawn_from_thread(&h, out);
    }
    return sk_dspawn_call(node, name, nlen, args, link, timeout, out);
}

int snow_node_spawn(const char *node, const char *name, const snow_term *args, snow_pid *out)
{
    return snow_node_spawn_opt(node, name, args, NULL, out);
}

int snow_node_spawn_link(const char *node, const char *name, const snow_term *args,
                         snow_pid *out)
{
    struct snow_node_spawn_opts o = {.size = sizeof o, .link = true};
    return snow_node_spawn_opt(node, name, args, &o, out);
}
