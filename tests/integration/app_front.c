/* SPDX-License-Identifier: MIT */
/* Test fixture: a "front-end" application module for snowd --app (spawn tests). */
#include <snow/snow.h>
#include <snow/spawn.h>

/* front.reply: arg {Pid, I}: sends {spawned, I} to Pid (the same protocol
 * as worker.reply, under a name only front-end nodes offer). */
static void front_reply(const snow_term *arg)
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

SNOW_FUNCTION(reply, "front.reply", front_reply)
