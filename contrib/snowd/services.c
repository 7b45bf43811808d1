/* SPDX-License-Identifier: MIT */
/* snowd's built-in services: echo, ping, the node-event logger, test sinks. */
#include "services.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <snow/node.h>
#include <snow/spawn.h>

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

void snowd_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&out_lock);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
    va_end(ap);
}

static void echo_main(const snow_term *arg)
{
    (void)arg;
    for (;;) {
        snow_term *m;
        if (snow_receive(SNOW_INFINITY, &m) != 0)
            return;
        const snow_term *from, *payload;
        snow_pid pid;
        size_t n;
        if (snow_term_size(m, &n) == 0 && n == 2 && snow_term_type(m) == SNOW_T_TUPLE &&
            snow_term_elem(m, 0, &from) == 0 && snow_term_pid(from, &pid) == 0 &&
            snow_term_elem(m, 1, &payload) == 0)
            snow_send(pid, payload);
        snow_term_release(m);
    }
}

static void ping_main(const snow_term *arg)
{
    (void)arg;
    for (;;) {
        snow_term *m;
        if (snow_receive(SNOW_INFINITY, &m) != 0)
            return;
        const snow_term *from;
        snow_pid pid;
        if (snow_term_is_tuple_tagged(m, 2, "ping") && snow_term_elem(m, 1, &from) == 0 &&
            snow_term_pid(from, &pid) == 0) {
            const char *self = snow_node_self();
            snow_term *pong = snow_tuple(2, snow_atom("pong"), snow_atom(self ? self : "nonode"));
            if (pong) {
                snow_send(pid, pong);
                snow_term_release(pong);
            }
        }
        snow_term_release(m);
    }
}

/* The built-in services are registered functions like any application's,
 * so other nodes can also spawn them by name (snow_node_spawn). */
SNOW_FUNCTION(echo, "snowd.echo", echo_main)
SNOW_FUNCTION(ping, "snowd.ping", ping_main)

static int start_named(const char *fn_name, const char *name)
{
    snow_pid pid;
    int rc = snow_node_spawn(NULL, fn_name, NULL, &pid);
    if (rc == 0)
        rc = snow_register(name, pid);
    return rc;
}

int snowd_start_services(void)
{
    int rc = start_named("snowd.echo", "echo");
    return rc != 0 ? rc : start_named("snowd.ping", "ping");
}

static atomic_int logger_ready;

static void node_logger_main(const snow_term *arg)
{
    (void)arg;
    int rc = snow_node_monitor(NULL, true);
    atomic_store(&logger_ready, rc == 0 ? 1 : -1);
    if (rc != 0)
        return;
    for (;;) {
        snow_term *m;
        if (snow_receive(SNOW_INFINITY, &m) != 0)
            return;
        const snow_term *node, *reason;
        const char *nname, *rname;
        size_t nlen, rlen;
        if (snow_term_is_tuple_tagged(m, 2, "nodeup") && snow_term_elem(m, 1, &node) == 0 &&
            snow_term_atom(node, &nname, &nlen) == 0) {
            snowd_out("EVENT nodeup %.*s", (int)nlen, nname);
        } else if (snow_term_is_tuple_tagged(m, 3, "nodedown") &&
                   snow_term_elem(m, 1, &node) == 0 && snow_term_atom(node, &nname, &nlen) == 0 &&
                   snow_term_elem(m, 2, &reason) == 0 &&
                   snow_term_atom(reason, &rname, &rlen) == 0) {
            snowd_out("EVENT nodedown %.*s %.*s", (int)nlen, nname, (int)rlen, rname);
        }
        snow_term_release(m);
    }
}

/* Returns once the logger is subscribed, so no nodeup is missed. */
int snowd_start_node_logger(void)
{
    snow_pid pid;
    int rc = snow_spawn(node_logger_main, NULL, &pid);
    for (int i = 0; rc == 0 && i < 5000 && atomic_load(&logger_ready) == 0; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    if (rc == 0 && atomic_load(&logger_ready) != 1)
        rc = SNOW_ESTATE;
    return rc;
}

/* ---- sinks (for tests and benchmarks) ---- */

#define SINKS_MAX 16
static struct snowd_sink *sinks[SINKS_MAX];
static pthread_mutex_t sinks_lock = PTHREAD_MUTEX_INITIALIZER;

static void sink_main(const snow_term *arg)
{
    int64_t idx;
    if (snow_term_int(arg, &idx) != 0)
        return;
    struct snowd_sink *s = sinks[idx];
    int64_t expect = 1;
    for (;;) {
        snow_term *m;
        if (snow_receive(SNOW_INFINITY, &m) != 0)
            return;
        const snow_term *seq, *payload;
        int64_t v;
        size_t len = 0;
        const void *data;
        if (snow_term_elem(m, 0, &seq) == 0 && snow_term_int(seq, &v) == 0) {
            if (v != expect)
                atomic_fetch_add(&s->out_of_order, 1);
            expect = v + 1;
            if (snow_term_elem(m, 1, &payload) == 0 &&
                snow_term_binary(payload, &data, &len) == 0) {
                atomic_fetch_add(&s->bytes, len);
                const unsigned char *b = data;
                for (size_t i = 0; i < len; i++)
                    if (b[i] != snowd_blast_byte(i)) {
                        atomic_fetch_add(&s->corrupt, 1);
                        break;
                    }
            }
        } else {
            atomic_fetch_add(&s->out_of_order, 1);
        }
        atomic_fetch_add(&s->count, 1);
        snow_term_release(m);
    }
}

int snowd_sink_start(const char *name, struct snowd_sink **out)
{
    pthread_mutex_lock(&sinks_lock);
    int idx = -1;
    for (int i = 0; i < SINKS_MAX; i++)
        if (sinks[i] == NULL) {
            idx = i;
            break;
        }
    if (idx < 0 || strlen(name) >= sizeof sinks[0]->name) {
        pthread_mutex_unlock(&sinks_lock);
        return SNOW_ELIMIT;
    }
    struct snowd_sink *s = calloc(1, sizeof *s);
    if (s == NULL) {
        pthread_mutex_unlock(&sinks_lock);
        return SNOW_ENOMEM;
    }
    strcpy(s->name, name);
    sinks[idx] = s;
    pthread_mutex_unlock(&sinks_lock);
    snow_term *arg = snow_int(idx);
    snow_pid pid;
    int rc = snow_spawn(sink_main, arg, &pid);
    snow_term_release(arg);
    if (rc == 0)
        rc = snow_register(name, pid);
    if (out)
        *out = s;
    return rc;
}

struct snowd_sink *snowd_sink_find(const char *name)
{
    struct snowd_sink *found = NULL;
    pthread_mutex_lock(&sinks_lock);
    for (int i = 0; i < SINKS_MAX; i++)
        if (sinks[i] && strcmp(sinks[i]->name, name) == 0)
            found = sinks[i];
    pthread_mutex_unlock(&sinks_lock);
    return found;
}

/* ---- blast: a sender ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void blast_main(const snow_term *arg)
{
    const snow_term *t;
    const char *name, *node;
    size_t nlen, dlen;
    int64_t count, size;
    if (snow_term_elem(arg, 0, &t) || snow_term_string(t, &name, &nlen) ||
        snow_term_elem(arg, 1, &t) || snow_term_string(t, &node, &dlen) ||
        snow_term_elem(arg, 2, &t) || snow_term_int(t, &count) ||
        snow_term_elem(arg, 3, &t) || snow_term_int(t, &size))
        return;
    char *fill = malloc((size_t)size + 1);
    if (fill == NULL)
        return;
    for (size_t i = 0; i < (size_t)size; i++)
        fill[i] = (char)snowd_blast_byte(i);
    snow_term *payload = snow_binary(fill, (size_t)size);
    free(fill);
    int64_t t0 = now_ms();
    int64_t failed = 0;
    for (int64_t i = 1; i <= count; i++) {
        snow_term *m = snow_tuple(2, snow_int(i), snow_term_ref(payload));
        if (m == NULL || snow_send_named(name, node, m) != 0)
            failed++;
        snow_term_release(m);
    }
    snow_term_release(payload);
    snowd_out("EVENT blast_done %s %lld %lld failed=%lld", name, (long long)count,
              (long long)(now_ms() - t0), (long long)failed);
}

int snowd_blast(const char *name, const char *node, uint64_t count, uint32_t size)
{
    snow_term *arg = snow_tuple(4, snow_string(name), snow_string(node), snow_int((int64_t)count),
                                snow_int(size));
    if (arg == NULL)
        return SNOW_ENOMEM;
    snow_pid pid;
    int rc = snow_spawn(blast_main, arg, &pid);
    snow_term_release(arg);
    return rc;
}
