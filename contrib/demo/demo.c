/* SPDX-License-Identifier: MIT */
/* snow-demo: a local demo: a supervisor, two workers, a crash and a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snow/snow.h>
#include <snow/supervisor.h>

/*
 * The demo process registers as "demo". Workers announce themselves to it
 * when they start ({started, Name, Pid}), serve requests {call, From, Req}
 * with {reply, Reply}, and the counter crashes on request. Its supervisor
 * restarts it; the demo waits for the announcement, so nothing here
 * depends on timing.
 */

static void show(const char *who, const char *what, const snow_term *t)
{
    char *txt = t != NULL ? snow_term_format_alloc(t) : NULL;
    printf("[%-8s] %s%s%s\n", who, what, txt ? " " : "", txt ? txt : "");
    fflush(stdout);
    free(txt);
}

static void announce(const char *name)
{
    snow_term *pid = snow_pid_term(snow_self());
    show(name, "started as", pid);
    snow_term *m = snow_tuple(3, snow_atom("started"), snow_atom(name), pid);
    snow_send_named("demo", NULL, m);
    snow_term_release(m);
}

/* Waits for {call, From, Req}; returns Req (borrowed from *msg) and From.
 * Workers trap exits, so the supervisor's `shutdown` arrives as a message:
 * say so, and exit with that reason. */
static const snow_term *next_call(const char *name, snow_term **msg, snow_pid *from)
{
    const snow_term *e, *req;
    for (;;) {
        if (snow_receive(SNOW_INFINITY, msg) < 0)
            return NULL;
        if (snow_term_is_tuple_tagged(*msg, 3, "call") && snow_term_elem(*msg, 1, &e) == 0 &&
            snow_term_pid(e, from) == 0 && snow_term_elem(*msg, 2, &req) == 0)
            return req;
        if (snow_term_is_tuple_tagged(*msg, 3, "exit") && snow_term_elem(*msg, 2, &e) == 0) {
            show(name, "stopping, exit signal:", e);
            snow_term *reason = snow_term_ref((snow_term *)e);
            snow_term_release(*msg);
            snow_exit(reason);
        }
        snow_term_release(*msg);
    }
}

static void reply(snow_pid to, snow_term *value)
{
    snow_term *m = snow_tuple(2, snow_atom("reply"), value);
    snow_send(to, m);
    snow_term_release(m);
}

/* counter: {add, N} -> {count, Total}; crash -> exits {badarith, counter}. */
static void counter(const snow_term *arg)
{
    int64_t total = 0;
    snow_trap_exit(true, NULL);
    announce("counter");
    for (;;) {
        snow_term *m;
        snow_pid from;
        const snow_term *req = next_call("counter", &m, &from), *n;
        int64_t add;
        if (req == NULL)
            return;
        if (snow_term_is_atom(req, "crash")) {
            snow_term_release(m);
            show("counter", "crashing with reason {badarith, counter}", NULL);
            snow_exit(snow_tuple(2, snow_atom("badarith"), snow_atom("counter")));
        }
        if (snow_term_is_tuple_tagged(req, 2, "add") && snow_term_elem(req, 1, &n) == 0 &&
            snow_term_int(n, &add) == 0)
            total += add;
        reply(from, snow_tuple(2, snow_atom("count"), snow_int(total)));
        snow_term_release(m);
    }
}

/* greeter: {hello, Name} -> "Hello, Name!" */
static void greeter(const snow_term *arg)
{
    snow_trap_exit(true, NULL);
    announce("greeter");
    for (;;) {
        snow_term *m;
        snow_pid from;
        const snow_term *req = next_call("greeter", &m, &from), *who;
        const char *s = "stranger";
        size_t len = 8;
        char buf[300];
        if (req == NULL)
            return;
        if (snow_term_is_tuple_tagged(req, 2, "hello") && snow_term_elem(req, 1, &who) == 0)
            snow_term_string(who, &s, &len);
        snprintf(buf, sizeof buf, "Hello, %.*s!", (int)(len > 255 ? 255 : len), s);
        reply(from, snow_string(buf));
        snow_term_release(m);
    }
}

static bool is_reply(const snow_term *m, void *ctx)
{
    return snow_term_is_tuple_tagged(m, 2, "reply");
}

/* Sends {call, Self, Req} to `pid` and prints the reply. */
static void call(const char *name, snow_pid pid, snow_term *req)
{
    show("demo", name, req);
    snow_term *m = snow_tuple(3, snow_atom("call"), snow_pid_term(snow_self()), req);
    snow_send(pid, m);
    snow_term_release(m);
    snow_term *r = NULL;
    if (snow_receive_match(is_reply, NULL, 5000, &r) == 0) {
        show("demo", "  reply:", r);
        snow_term_release(r);
    } else {
        show("demo", "  no reply within 5 s", NULL);
    }
}

static bool is_started(const snow_term *m, void *ctx)
{
    return snow_term_is_tuple_tagged(m, 3, "started");
}

static bool is_down(const snow_term *m, void *ctx)
{
    return snow_term_is_tuple_tagged(m, 4, "down");
}

/* Waits (selectively) for {started, Name, Pid} and returns Pid. */
static snow_pid await_start(void)
{
    snow_term *m = NULL;
    snow_pid pid = SNOW_PID_NONE;
    const snow_term *e;
    if (snow_receive_match(is_started, NULL, 5000, &m) == 0 && snow_term_elem(m, 2, &e) == 0)
        snow_term_pid(e, &pid);
    snow_term_release(m);
    return pid;
}

static int demo_status = 1;

static void demo(const snow_term *arg)
{
    snow_register("demo", snow_self());
    snow_term *zero = snow_int(0);
    struct snow_child_spec kids[2] = {
        { .size = sizeof kids[0], .id = "counter", .start = counter, .arg = zero },
        { .size = sizeof kids[1], .id = "greeter", .start = greeter, .arg = zero },
    };
    struct snow_sup_flags flags = { .size = sizeof flags, .strategy = SNOW_SUP_ONE_FOR_ONE,
                                    .max_restarts = 3, .period_ms = 5000 };
    snow_pid sup, cnt, grt;

    show("demo", "starting a one_for_one supervisor with children counter, greeter", NULL);
    int rc = snow_supervisor_start_link(&flags, kids, 2, &sup);
    snow_term_release(zero);
    if (rc < 0)
        return;
    cnt = await_start();
    grt = await_start();
    if (snow_supervisor_child_pid(sup, "counter", &cnt) < 0 ||
        snow_supervisor_child_pid(sup, "greeter", &grt) < 0)
        return;

    call("-> counter", cnt, snow_tuple(2, snow_atom("add"), snow_int(5)));
    call("-> counter", cnt, snow_tuple(2, snow_atom("add"), snow_int(37)));
    call("-> greeter", grt, snow_tuple(2, snow_atom("hello"), snow_string("world")));

    /* Let it crash: the supervisor sees the exit and starts a fresh counter.
     * A monitor shows us the reason too. */
    snow_ref mon;
    snow_monitor(cnt, &mon);
    snow_term *m = snow_tuple(3, snow_atom("call"), snow_pid_term(snow_self()), snow_atom("crash"));
    show("demo", "-> counter crash", NULL);
    snow_send(cnt, m);
    snow_term_release(m);
    if (snow_receive_match(is_down, NULL, 5000, &m) == 0) {
        show("demo", "monitor says:", m);
        snow_term_release(m);
    }
    snow_pid fresh = await_start();
    if (fresh == SNOW_PID_NONE || fresh == cnt)
        return;
    show("demo", "the supervisor restarted counter; its state starts over:", NULL);
    call("-> counter", fresh, snow_tuple(2, snow_atom("add"), snow_int(1)));

    snow_term *list = NULL;
    if (snow_supervisor_which_children(sup, &list) == 0)
        show("demo", "which_children:", list);
    snow_term_release(list);
    show("demo", "stopping the supervisor (children stop in reverse order)", NULL);
    if (snow_supervisor_stop(sup) == 0)
        demo_status = 0;
}

int main(void)
{
    snow_pid pid;
    if (snow_init(NULL) < 0 || snow_spawn(demo, NULL, &pid) < 0) {
        fprintf(stderr, "snow-demo: cannot start the runtime\n");
        return 1;
    }
    snow_join(pid, 30000, NULL);
    snow_shutdown();
    printf("[demo    ] %s\n", demo_status == 0 ? "done" : "FAILED");
    return demo_status;
}
