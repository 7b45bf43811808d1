/* SPDX-License-Identifier: MIT */
/* hello: the README's "Writing a process" example, built so it cannot rot. */
#include <stdio.h>
#include <stdlib.h>

#include <snow/snow.h>

/* A process body: answers {greet, From, Name} with {hello, Name}. */
static void greeter(const snow_term *arg)
{
    for (;;) {
        snow_term *msg;
        if (snow_receive(SNOW_INFINITY, &msg) < 0)
            return;
        if (snow_term_is_atom(msg, "stop")) {
            snow_term_release(msg);
            return;                       /* returning = exit with `normal` */
        }
        const snow_term *from, *name;
        snow_pid to;
        if (snow_term_is_tuple_tagged(msg, 3, "greet") && snow_term_elem(msg, 1, &from) == 0 &&
            snow_term_pid(from, &to) == 0 && snow_term_elem(msg, 2, &name) == 0) {
            /* Constructors steal their elements: take our own reference
             * to `name`, which belongs to `msg`. */
            snow_term *reply = snow_tuple(2, snow_atom("hello"), snow_term_ref((snow_term *)name));
            snow_send(to, reply);         /* moves a reference, no copy */
            snow_term_release(reply);
        }
        snow_term_release(msg);
    }
}

/* A client: starts a linked greeter, asks it once, prints the answer. */
static void client(const snow_term *arg)
{
    snow_pid greeter_pid;
    if (snow_spawn_link(greeter, NULL, &greeter_pid) < 0)
        return;
    snow_term *req = snow_tuple(3, snow_atom("greet"), snow_pid_term(snow_self()),
                                snow_string("world"));
    snow_send(greeter_pid, req);
    snow_term_release(req);

    snow_term *reply;
    if (snow_receive(1000, &reply) == 0) {   /* wait at most one second */
        char *text = snow_term_format_alloc(reply);
        printf("got %s\n", text ? text : "?");
        free(text);
        snow_term_release(reply);
    }
    snow_send(greeter_pid, snow_atom("stop"));
}

int main(void)
{
    snow_pid pid;
    if (snow_init(NULL) < 0 || snow_spawn(client, NULL, &pid) < 0)
        return 1;
    snow_join(pid, SNOW_INFINITY, NULL);     /* a plain thread waits for a process */
    snow_shutdown();
    return 0;
}
