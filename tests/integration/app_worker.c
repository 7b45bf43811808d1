/* SPDX-License-Identifier: MIT */
/* Test fixture: a "worker" application module for snowd --app (spawn tests). */
#include <snow/snow.h>
#include <snow/spawn.h>

/*
 * worker.echo:  receives {From, Msg}; Msg = {exit, Reason} ends it with
 *               Reason, anything else is sent back to From.
 * worker.reply: arg {Pid, I}: sends {spawned, I} to Pid and returns.
 * worker.crash: exits at once with reason `crashed`.
 */
static void worker_echo(const snow_term *arg)
{
    (void)arg;
    for (;;) {
        snow_term *m;
        if (snow_receive(SNOW_INFINITY, &m) != 0)
            return;
        const snow_term *from, *msg, *reason;
        snow_pid to;
        if (snow_term_type(m) == SNOW_T_TUPLE && snow_term_elem(m, 0, &from) == 0 &&
            snow_term_pid(from, &to) == 0 && snow_term_elem(m, 1, &msg) == 0) {
            if (snow_term_is_tuple_tagged(msg, 2, "exit") && snow_term_elem(msg, 1, &reason) == 0) {
                /* keep the reason, drop the message: exit never returns */
                snow_term *why = snow_term_ref((snow_term *)reason);
                snow_term_release(m);
                snow_exit(why); /* takes our reference */
            }
            snow_send(to, msg);
        }
        snow_term_release(m);
    }
}

static void worker_reply(const snow_term *arg)
{
    const snow_term *p, *i;
    snow_pid to;
    if (snow_term_elem(arg, 0, &p) != 0 || snow_term_pid(p, &to) != 0 ||
        snow_term_elem(arg, 1, &i) != 0)
        return;
    snow_term *m = snow_tuple(2, snow_atom("spawned"), snow_term_ref((snow_term *)i));
    snow_send(to, m);
    snow_term_release(m);
}

static void worker_crash(const snow_term *arg)
{
    (void)arg;
    snow_exit(snow_atom("crashed"));
}

SNOW_FUNCTION(echo, "worker.echo", worker_echo)
SNOW_FUNCTION(reply, "worker.reply", worker_reply)
SNOW_FUNCTION(crash, "worker.crash", worker_crash)
