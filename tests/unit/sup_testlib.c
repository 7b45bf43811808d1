/* SPDX-License-Identifier: MIT */
/* Helpers for the supervisor tests: an event log, test workers, exit watchers. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sup_testlib.h"

/* ---- an event log the workers append to and the test thread waits on ---- */

#define EV_MAX 256
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char ev[EV_MAX][48];
    size_t n;
} evlog = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { { 0 } }, 0 };

void ev_add(const char *what, const char *id)
{
    pthread_mutex_lock(&evlog.mu);
    if (evlog.n < EV_MAX)
        snprintf(evlog.ev[evlog.n++], sizeof evlog.ev[0], "%s:%s", what, id);
    pthread_cond_broadcast(&evlog.cv);
    pthread_mutex_unlock(&evlog.mu);
}

/* Waits until at least n events were logged; false on timeout. */
bool ev_wait(size_t n)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&evlog.mu);
    int rc = 0;
    while (evlog.n < n && rc == 0)
        rc = pthread_cond_timedwait(&evlog.cv, &evlog.mu, &dl);
    bool ok = evlog.n >= n;
    pthread_mutex_unlock(&evlog.mu);
    return ok;
}

/* The events from index `from` joined by spaces, e.g. "start:a stop:b". */
const char *ev_str(size_t from)
{
    static char buf[EV_MAX * 34];
    size_t off = 0;
    buf[0] = '\0';
    pthread_mutex_lock(&evlog.mu);
    for (size_t i = from; i < evlog.n && off < sizeof buf - 40; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", i > from ? " " : "",
                                evlog.ev[i]);
    pthread_mutex_unlock(&evlog.mu);
    return buf;
}

size_t ev_count(void)
{
    pthread_mutex_lock(&evlog.mu);
    size_t n = evlog.n;
    pthread_mutex_unlock(&evlog.mu);
    return n;
}



void worker(const snow_term *arg)
{
    const snow_term *e;
    const char *id;
    size_t len;
    int64_t mode = 0;
    char name[24];

    ck_assert_snow_ok(snow_term_elem(arg, 0, &e));
    ck_assert_snow_ok(snow_term_string(e, &id, &len));
    snprintf(name, sizeof name, "%.*s", (int)len, id);
    ck_assert_snow_ok(snow_term_elem(arg, 1, &e));
    ck_assert_snow_ok(snow_term_int(e, &mode));
    if (mode != MODE_PLAIN)
        ck_assert_snow_ok(snow_trap_exit(true, NULL));
    ev_add("start", name);

    for (;;) {
        snow_term *m = NULL;
        ck_assert_snow_ok(snow_receive(SNOW_INFINITY, &m));
        if (snow_term_is_atom(m, "crash")) {
            snow_term_release(m);
            snow_exit(snow_atom("boom"));
        }
        if (snow_term_is_atom(m, "stop")) {
            snow_term_release(m);
            return;
        }
        if (snow_term_is_tuple_tagged(m, 3, "exit")) {
            const snow_term *reason;
            ck_assert_snow_ok(snow_term_elem(m, 2, &reason));
            ev_add(mode == MODE_STUBBORN ? "ignore" : "stop", name);
            if (mode != MODE_STUBBORN) {
                snow_term *r = snow_term_ref((snow_term *)reason);
                snow_term_release(m);
                snow_exit(r);
            }
        }
        snow_term_release(m);
    }
}

snow_term *warg(const char *id, int mode)
{
    return snow_tuple(2, snow_string(id), snow_int(mode));
}

/* Child specs own their argument terms; spec_free releases them. */
struct snow_child_spec spec(const char *id, int mode, enum snow_sup_restart restart)
{
    struct snow_child_spec s = { .size = sizeof s, .id = id, .start = worker,
                                 .arg = warg(id, mode), .restart = restart };
    return s;
}

void spec_free(struct snow_child_spec *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snow_term_release((snow_term *)s[i].arg);
}

struct snow_sup_flags flags(enum snow_sup_strategy st, int max_restarts)
{
    struct snow_sup_flags f = { .size = sizeof f, .strategy = st,
                                .max_restarts = max_restarts, .period_ms = 60000 };
    return f;
}

snow_pid child(snow_pid sup, const char *id)
{
    snow_pid pid = SNOW_PID_NONE;
    ck_assert_snow_ok(snow_supervisor_child_pid(sup, id, &pid));
    ck_assert_uint_ne(pid, SNOW_PID_NONE);
    return pid;
}

void send_atom(snow_pid to, const char *atom)
{
    ck_assert_snow_ok(snow_send(to, snow_atom(atom)));
}

/*
 * Exit reasons. snow_join works for processes a plain thread spawned, so a
 * watcher (spawned here) monitors the target and exits with the target's
 * reason. watch() returns once the monitor is in place, so the reason is
 * the real one, not `noproc`.
 */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int ready;
} watch_sync = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };

static void watcher(const snow_term *arg)
{
    snow_pid pid;
    snow_ref ref;
    snow_term *m = NULL;
    const snow_term *reason;
    ck_assert_snow_ok(snow_term_pid(arg, &pid));
    ck_assert_snow_ok(snow_monitor(pid, &ref));
    pthread_mutex_lock(&watch_sync.mu);
    watch_sync.ready++;
    pthread_cond_broadcast(&watch_sync.cv);
    pthread_mutex_unlock(&watch_sync.mu);
    ck_assert_snow_ok(snow_receive(SNOW_INFINITY, &m));
    ck_assert(snow_term_is_tuple_tagged(m, 4, "down"));
    ck_assert_snow_ok(snow_term_elem(m, 3, &reason));
    /* snow_exit takes this reference. */
    snow_term *r = snow_term_ref((snow_term *)reason);
    snow_term_release(m);
    snow_exit(r);
}

snow_pid watch(snow_pid pid)
{
    snow_term *arg = snow_pid_term(pid);
    snow_pid w;
    pthread_mutex_lock(&watch_sync.mu);
    int want = watch_sync.ready + 1;
    pthread_mutex_unlock(&watch_sync.mu);
    ck_assert_snow_ok(snow_spawn(watcher, arg, &w));
    snow_term_release(arg);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&watch_sync.mu);
    while (watch_sync.ready < want &&
           pthread_cond_timedwait(&watch_sync.cv, &watch_sync.mu, &dl) == 0)
        ;
    bool ok = watch_sync.ready >= want;
    pthread_mutex_unlock(&watch_sync.mu);
    ck_assert_msg(ok, "watcher did not start");
    return w;
}

/* Joins watcher `w` and checks its target's exit reason is the atom `want`. */
void join_reason(snow_pid w, const char *want)
{
    snow_term *reason = NULL;
    const char *name = "(not an atom)";
    size_t len = 13;
    ck_assert_snow_ok(snow_join(w, WAIT_MS, &reason));
    snow_term_atom(reason, &name, &len);
    ck_assert_msg(snow_term_is_atom(reason, want), "exit reason %.*s, expected %s", (int)len,
                  name, want);
    snow_term_release(reason);
}

/* Waits (bounded) until child_pid(sup, id) returns `want`: the supervisor
 * handles an exit signal some time after the exit itself. */
void await_child_rc(snow_pid sup, const char *id, int want)
{
    snow_pid p;
    int rc = 0;
    for (int i = 0; i < 100000 && (rc = snow_supervisor_child_pid(sup, id, &p)) != want; i++)
        ;
    ck_assert_msg(rc == want, "child %s: %s, expected %s", id, snow_strerror_name(rc),
                  snow_strerror_name(want));
}

/* Starts a three-worker supervisor a, b, c and waits until all run. With
 * one scheduler they run in spawn order; with more, in any order. */
snow_pid start3_opt(enum snow_sup_strategy st, int mode, int max_restarts, bool ordered)
{
    struct snow_child_spec s[3] = { spec("a", mode, SNOW_SUP_PERMANENT),
                                    spec("b", mode, SNOW_SUP_PERMANENT),
                                    spec("c", mode, SNOW_SUP_PERMANENT) };
    struct snow_sup_flags f = flags(st, max_restarts);
    snow_pid sup = SNOW_PID_NONE;
    size_t base = ev_count();
    ck_assert_snow_ok(snow_supervisor_start(&f, s, 3, &sup));
    spec_free(s, 3);
    if (ordered)
        ck_assert_events(base, 3, "start:a start:b start:c");
    else
        ck_assert(ev_wait(base + 3));
    return sup;
}

snow_pid start3(enum snow_sup_strategy st, int mode, int max_restarts)
{
    return start3_opt(st, mode, max_restarts, true);
}

