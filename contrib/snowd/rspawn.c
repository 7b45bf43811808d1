/* SPDX-License-Identifier: MIT */
/* Console probes for spawning by name on other nodes (tests and tools). */
#include "rspawn.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <snow/node.h>
#include <snow/snow.h>
#include <snow/spawn.h>

#include "services.h"

#define RSPAWN_WAIT_MS 10000
#define RSPAWN_JOIN_MS 30000

/* What a driver process found out; filled by the process, read by the
 * console thread after snow_join. */
struct rspawn_job {
    const char *node, *fn, *mode;
    snow_term *reason;
    unsigned long n;
    snow_pid peer;          /* orphan mode: the local monitor process */
    int rc;
    char err[512];
    char out[1024];
};

static void rspawn_fail(struct rspawn_job *j, int rc, const char *what)
{
    j->rc = rc;
    snprintf(j->err, sizeof j->err, "%s: %s", what,
             snow_node_last_error()[0] ? snow_node_last_error() : snow_strerror(rc));
}

static void rspawn_fmt(const snow_term *t, char *buf, size_t len)
{
    if (t == NULL || snow_term_format(t, buf, len) < 0)
        snprintf(buf, len, "?");
}

static struct rspawn_job *job_of(const snow_term *arg)
{
    int64_t addr = 0;
    snow_term_int(arg, &addr);
    return (struct rspawn_job *)(intptr_t)addr;
}

/* Runs fn as a joinable process with the job and, if join, waits for it;
 * its exit reason goes to *reason (may be NULL). */
static int rspawn_run(void (*fn)(const snow_term *), struct rspawn_job *j, bool join,
                      snow_pid *pid, snow_term **reason)
{
    snow_term *arg = snow_int((int64_t)(intptr_t)j);
    snow_pid p;
    int rc = snow_spawn(fn, arg, &p);
    snow_term_release(arg);
    if (pid)
        *pid = p;
    if (rc == 0 && join)
        rc = snow_join(p, RSPAWN_JOIN_MS, reason);
    return rc;
}

static snow_term *exit_request(const snow_term *reason)
{
    return snow_tuple(2, snow_pid_term(snow_self()),
                      snow_tuple(2, snow_atom("exit"), snow_term_ref((snow_term *)reason)));
}

static bool is_down(const snow_term *m, void *ctx)
{
    (void)ctx;
    return snow_term_is_tuple_tagged(m, 4, "down");
}

static bool is_exit(const snow_term *m, void *ctx)
{
    (void)ctx;
    return snow_term_is_tuple_tagged(m, 3, "exit");
}

/* ---- rspawn_echo ---- */

static void echo_driver(const snow_term *arg)
{
    struct rspawn_job *j = job_of(arg);
    snow_pid child;
    snow_ref ref;
    int rc = snow_node_spawn(j->node, j->fn, NULL, &child);
    if (rc != 0) {
        rspawn_fail(j, rc, "spawn");
        return;
    }
    if ((rc = snow_monitor(child, &ref)) != 0) {
        rspawn_fail(j, rc, "monitor");
        return;
    }
    snow_term *hello = snow_tuple(2, snow_pid_term(snow_self()),
                                  snow_tuple(2, snow_atom("hello"), snow_int(42)));
    snow_send(child, hello);
    snow_term_release(hello);
    snow_term *back = NULL, *down = NULL;
    if ((rc = snow_receive(RSPAWN_WAIT_MS, &back)) != 0) {
        rspawn_fail(j, rc, "no echo");
        return;
    }
    char echo[256], why[256];
    rspawn_fmt(back, echo, sizeof echo);
    snow_term_release(back);
    snow_term *req = exit_request(j->reason);
    snow_send(child, req);
    snow_term_release(req);
    if ((rc = snow_receive_match(is_down, NULL, RSPAWN_WAIT_MS, &down)) != 0) {
        rspawn_fail(j, rc, "no down");
        return;
    }
    const snow_term *r = NULL;
    snow_term_elem(down, 3, &r);
    rspawn_fmt(r, why, sizeof why);
    snow_term_release(down);
    const char *where = snow_pid_node_name(child);
    snprintf(j->out, sizeof j->out, "echo=%s down=%s node=%s", echo, why, where ? where : "?");
}

/* ---- rspawn_link ---- */

static void link_driver(const snow_term *arg)
{
    struct rspawn_job *j = job_of(arg);
    bool hold = strcmp(j->mode, "hold") == 0;
    bool trap = hold || strcmp(j->mode, "trap") == 0, orphan = strcmp(j->mode, "orphan") == 0;
    if (trap)
        snow_trap_exit(true, NULL);
    snow_pid child;
    int rc = snow_node_spawn_link(j->node, j->fn, NULL, &child);
    if (rc != 0) {
        rspawn_fail(j, rc, "spawn_link");
        return;
    }
    if (orphan) {
        /* hand the child to the local monitor, wait until it watches, die */
        snow_term *w = snow_tuple(3, snow_atom("watch"), snow_pid_term(child),
                                  snow_pid_term(snow_self()));
        snow_send(j->peer, w);
        snow_term_release(w);
        snow_term *ready = NULL;
        if ((rc = snow_receive(RSPAWN_WAIT_MS, &ready)) != 0) {
            rspawn_fail(j, rc, "monitor not ready");
            return;
        }
        snow_term_release(ready);
        snow_exit(snow_term_ref(j->reason)); /* takes a reference */
    }
    if (hold) {
        snowd_out("EVENT rspawn_linked"); /* the test may now break the link's node */
    } else {
        snow_term *req = exit_request(j->reason);
        snow_send(child, req);
        snow_term_release(req);
    }
    snow_term *m = NULL;
    rc = snow_receive_match(is_exit, NULL, RSPAWN_WAIT_MS, &m);
    if (rc != 0) {
        rspawn_fail(j, rc, trap ? "no {exit, Child, Reason}" : "caller survived");
        return;
    }
    const snow_term *r = NULL;
    snow_term_elem(m, 2, &r);
    char why[256];
    rspawn_fmt(r, why, sizeof why);
    snow_term_release(m);
    snprintf(j->out, sizeof j->out, "trapped=%s", why);
}

/* orphan mode: watches the child it is sent, reports its down reason */
static void orphan_monitor(const snow_term *arg)
{
    struct rspawn_job *j = job_of(arg);
    snow_term *w = NULL, *down = NULL;
    const snow_term *e;
    snow_pid child, caller;
    snow_ref ref;
    if (snow_receive(RSPAWN_WAIT_MS, &w) != 0 || snow_term_elem(w, 1, &e) != 0 ||
        snow_term_pid(e, &child) != 0 || snow_term_elem(w, 2, &e) != 0 ||
        snow_term_pid(e, &caller) != 0) {
        snow_term_release(w);
        rspawn_fail(j, SNOW_ETIMEDOUT, "no child to watch");
        return;
    }
    snow_term_release(w);
    snow_monitor(child, &ref);
    snow_term *ready = snow_atom("ready");
    snow_send(caller, ready);
    int rc = snow_receive_match(is_down, NULL, RSPAWN_WAIT_MS, &down);
    if (rc != 0) {
        rspawn_fail(j, rc, "the child did not die");
        return;
    }
    char why[256];
    snow_term_elem(down, 3, &e);
    rspawn_fmt(e, why, sizeof why);
    snow_term_release(down);
    snprintf(j->out, sizeof j->out, "child=%s", why);
}

/* ---- rspawn_loop ---- */

static bool is_spawned(const snow_term *m, void *ctx)
{
    const snow_term *e;
    int64_t i;
    return snow_term_is_tuple_tagged(m, 2, "spawned") && snow_term_elem(m, 1, &e) == 0 &&
           snow_term_int(e, &i) == 0 && i == *(int64_t *)ctx;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void loop_driver(const snow_term *arg)
{
    struct rspawn_job *j = job_of(arg);
    int64_t *t = malloc(sizeof *t * (j->n ? j->n : 1));
    if (t == NULL) {
        rspawn_fail(j, SNOW_ENOMEM, "loop");
        return;
    }
    int64_t start = now_ns();
    for (int64_t i = 0; i < (int64_t)j->n; i++) {
        int64_t t0 = now_ns();
        snow_term *a = snow_tuple(2, snow_pid_term(snow_self()), snow_int(i));
        snow_pid child;
        int rc = snow_node_spawn(j->node, j->fn, a, &child);
        snow_term_release(a);
        snow_term *m = NULL;
        if (rc == 0)
            rc = snow_receive_match(is_spawned, &i, RSPAWN_WAIT_MS, &m);
        snow_term_release(m);
        if (rc != 0) {
            free(t);
            char what[64];
            snprintf(what, sizeof what, "spawn %" PRId64, i);
            rspawn_fail(j, rc, what);
            return;
        }
        t[i] = now_ns() - t0;
    }
    int64_t total = now_ns() - start;
    qsort(t, j->n, sizeof *t, cmp_i64);
    size_t n = j->n ? j->n : 1;
    snprintf(j->out, sizeof j->out, "n=%lu ms=%.1f p50us=%.1f p99us=%.1f", j->n, total / 1e6,
             j->n ? t[n / 2] / 1e3 : 0.0, j->n ? t[n * 99 / 100] / 1e3 : 0.0);
    free(t);
}

/* ---- commands ---- */

static void answer_job(struct rspawn_job *j, int rc)
{
    if (rc == 0 && j->rc == 0)
        snowd_out("OK %s", j->out);
    else if (j->rc != 0)
        snowd_out("ERR %s %s", snow_strerror_name(j->rc), j->err);
    else
        snowd_out("ERR %s driver: %s", snow_strerror_name(rc), snow_strerror(rc));
}

static void cmd_rspawn(const char *node, const char *fn, const char *argtext, const char *ms)
{
    snow_term *arg = NULL;
    char err[256] = "";
    int rc = 0;
    if (argtext == NULL || strcmp(argtext, "nil") == 0)
        arg = NULL;
    else if (strcmp(argtext, "FUN") == 0)
        arg = snow_tuple(2, snow_atom("job"),
                         snow_function((snow_fn_ptr)cmd_rspawn, "cmd_rspawn", NULL));
    else
        rc = snow_term_parse(argtext, &arg, err, sizeof err);
    if (rc != 0) {
        snowd_out("ERR %s bad ARG: %s", snow_strerror_name(rc), err);
        return;
    }
    struct snow_node_spawn_opts o = {.size = sizeof o, .timeout_ms = ms ? atoll(ms) : 0};
    snow_pid pid;
    rc = snow_node_spawn_opt(node, fn, arg, &o, &pid);
    snow_term_release(arg);
    if (rc != 0) {
        snowd_out("ERR %s %s", snow_strerror_name(rc), snow_node_last_error());
        return;
    }
    const char *where = snow_pid_node_name(pid);
    snowd_out("OK %" PRIu64 " %s", (uint64_t)pid, where ? where : "?");
}

bool rspawn_console(const char *cmd, char *a1, char *a2, char *a3, char *a4)
{
    struct rspawn_job j = {.node = a1, .fn = a2};
    int rc;
    if (strcmp(cmd, "rspawn") == 0 && a1 && a2) {
        cmd_rspawn(a1, a2, a3, a4);
    } else if (strcmp(cmd, "rspawn_echo") == 0 && a1 && a2 && a3) {
        j.reason = snow_atom(a3);
        rc = rspawn_run(echo_driver, &j, true, NULL, NULL);
        answer_job(&j, rc);
    } else if (strcmp(cmd, "rspawn_link") == 0 && a1 && a2 && a3 && a4) {
        j.mode = a3;
        j.reason = snow_atom(a4);
        struct rspawn_job mon = {.node = a1, .fn = a2};
        snow_pid mpid = SNOW_PID_NONE;
        rc = strcmp(a3, "orphan") == 0 ? rspawn_run(orphan_monitor, &mon, false, &mpid, NULL)
                                       : 0;
        j.peer = mpid;
        snow_term *reason = NULL;
        if (rc == 0)
            rc = rspawn_run(link_driver, &j, true, NULL, &reason);
        if (rc == 0 && strcmp(a3, "orphan") == 0) {
            rc = snow_join(mpid, RSPAWN_JOIN_MS, NULL);
            if (j.rc == 0) {
                j.rc = mon.rc;
                memcpy(j.err, mon.err, sizeof j.err);
                memcpy(j.out, mon.out, sizeof j.out);
            }
        } else if (rc == 0 && strcmp(a3, "die") == 0 && j.rc == 0) {
            char why[256];
            rspawn_fmt(reason, why, sizeof why);
            snprintf(j.out, sizeof j.out, "caller=%s", why);
        }
        snow_term_release(reason);
        answer_job(&j, rc);
    } else if (strcmp(cmd, "rspawn_loop") == 0 && a1 && a2 && a3) {
        j.n = strtoul(a3, NULL, 10);
        rc = rspawn_run(loop_driver, &j, true, NULL, NULL);
        answer_job(&j, rc);
    } else {
        return false;
    }
    snow_term_release(j.reason);
    return true;
}
