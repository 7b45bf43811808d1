/* SPDX-License-Identifier: MIT */
/* Console probes for fault-tolerance tests: idle targets, watchers, counters. */
#include "probes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <snow/node.h>
#include <snow/snow.h>

/* ---- counters ---- */

#define COUNTERS_MAX 64
static struct {
    char key[96];
    unsigned long long n;
} counters[COUNTERS_MAX];
static pthread_mutex_t counters_lock = PTHREAD_MUTEX_INITIALIZER;

void probes_count(const char *key)
{
    pthread_mutex_lock(&counters_lock);
    for (int i = 0; i < COUNTERS_MAX; i++) {
        if (counters[i].key[0] == '\0')
            snprintf(counters[i].key, sizeof counters[i].key, "%s", key);
        if (strcmp(counters[i].key, key) == 0) {
            counters[i].n++;
            break;
        }
    }
    pthread_mutex_unlock(&counters_lock);
}

static int counter_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

void probes_stats(char *buf, size_t len)
{
    char lines[COUNTERS_MAX][sizeof counters[0].key + 24];
    int n = 0;
    pthread_mutex_lock(&counters_lock);
    for (int i = 0; i < COUNTERS_MAX && counters[i].key[0]; i++)
        snprintf(lines[n++], sizeof lines[0], "%.95s=%llu", counters[i].key, counters[i].n);
    pthread_mutex_unlock(&counters_lock);
    qsort(lines, (size_t)n, sizeof lines[0], counter_cmp);
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", lines[i]);
}

/* The reason of an exit/down as text (atoms; anything else is "other"). */
static void reason_key(const char *prefix, const snow_term *reason, char *key, size_t len)
{
    const char *name;
    size_t nl;
    if (snow_term_atom(reason, &name, &nl) == 0)
        snprintf(key, len, "%s:%.*s", prefix, (int)nl, name);
    else
        snprintf(key, len, "%s:other", prefix);
}

/* ---- idle targets ---- */

static bool is_die(const snow_term *m, void *ctx)
{
    (void)ctx;
    return snow_term_is_tuple_tagged(m, 2, "die");
}

static void idle_main(const snow_term *arg)
{
    const snow_term *name, *node;
    const char *ns, *nd;
    size_t nl, dl;
    if (snow_term_elem(arg, 0, &name) || snow_term_string(name, &ns, &nl) ||
        snow_term_elem(arg, 1, &node) || snow_term_string(node, &nd, &dl))
        return;
    snow_term *hello = snow_tuple(2, snow_atom("idle"), snow_pid_term(snow_self()));
    if (hello)
        snow_send_named(ns, nd, hello);
    snow_term_release(hello);
    snow_term *m;
    if (snow_receive_match(is_die, NULL, SNOW_INFINITY, &m) != 0)
        return;
    /* exit with an atom (an immediate: nothing left to release) */
    const snow_term *reason;
    const char *rname;
    size_t rl;
    snow_term *atom = NULL;
    if (snow_term_elem(m, 1, &reason) == 0 && snow_term_atom(reason, &rname, &rl) == 0)
        atom = snow_atom_len(rname, rl);
    snow_term_release(m);
    snow_exit(atom);
}

int probes_idle(unsigned k, const char *name, const char *node)
{
    snow_term *arg = snow_tuple(2, snow_string(name), snow_string(node));
    if (arg == NULL)
        return SNOW_ENOMEM;
    int rc = 0;
    for (unsigned i = 0; i < k && rc == 0; i++) {
        snow_pid pid;
        rc = snow_spawn(idle_main, arg, &pid);
    }
    snow_term_release(arg);
    return rc;
}

/* ---- collector ---- */

#define COLLECT_MAX 4096
static snow_pid collected[COLLECT_MAX];
static size_t ncollected;
static pthread_mutex_t collect_lock = PTHREAD_MUTEX_INITIALIZER;

static void collector_main(const snow_term *arg)
{
    (void)arg;
    for (;;) {
        snow_term *m;
        if (snow_receive(SNOW_INFINITY, &m) != 0)
            return;
        const snow_term *p;
        snow_pid pid;
        if (snow_term_is_tuple_tagged(m, 2, "idle") && snow_term_elem(m, 1, &p) == 0 &&
            snow_term_pid(p, &pid) == 0) {
            pthread_mutex_lock(&collect_lock);
            if (ncollected < COLLECT_MAX)
                collected[ncollected++] = pid;
            pthread_mutex_unlock(&collect_lock);
        }
        snow_term_release(m);
    }
}

int probes_collect(const char *name)
{
    snow_pid pid;
    int rc = snow_spawn(collector_main, NULL, &pid);
    return rc != 0 ? rc : snow_register(name, pid);
}

size_t probes_collected(void)
{
    pthread_mutex_lock(&collect_lock);
    size_t n = ncollected;
    pthread_mutex_unlock(&collect_lock);
    return n;
}

/* ---- watchers ---- */

static void watch_monitor_main(const snow_term *arg)
{
    snow_pid target;
    snow_ref ref;
    if (snow_term_pid(arg, &target) != 0 || snow_monitor(target, &ref) != 0)
        return;
    probes_count("ready");
    snow_term *m;
    while (snow_receive(SNOW_INFINITY, &m) == 0) {
        const snow_term *reason;
        if (snow_term_is_tuple_tagged(m, 4, "down") && snow_term_elem(m, 3, &reason) == 0) {
            char key[96];
            reason_key("monitor", reason, key, sizeof key);
            probes_count(key);
            snow_term_release(m);
            return;
        }
        snow_term_release(m);
    }
}

static void watch_linktrap_main(const snow_term *arg)
{
    snow_pid target;
    if (snow_term_pid(arg, &target) != 0)
        return;
    snow_trap_exit(true, NULL);
    if (snow_link(target) != 0)
        return;
    probes_count("ready");
    snow_term *m;
    while (snow_receive(SNOW_INFINITY, &m) == 0) {
        const snow_term *reason;
        if (snow_term_is_tuple_tagged(m, 3, "exit") && snow_term_elem(m, 2, &reason) == 0) {
            char key[96];
            reason_key("trap", reason, key, sizeof key);
            probes_count(key);
            snow_term_release(m);
            return;
        }
        snow_term_release(m);
    }
}

static void watch_link_main(const snow_term *arg)
{
    snow_pid target;
    if (snow_term_pid(arg, &target) != 0 || snow_link(target) != 0)
        return;
    probes_count("ready");
    snow_term *m;
    while (snow_receive(SNOW_INFINITY, &m) == 0) /* dies by the link, not by a message */
        snow_term_release(m);
}

/* Monitors each link watcher and counts how it died: killed:<reason>. */
static void reaper_main(const snow_term *arg)
{
    size_t n;
    if (snow_term_size(arg, &n) != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        const snow_term *p;
        snow_pid pid;
        snow_ref ref;
        if (snow_term_elem(arg, i, &p) == 0 && snow_term_pid(p, &pid) == 0)
            snow_monitor(pid, &ref);
    }
    probes_count("ready");
    for (size_t seen = 0; seen < n;) {
        snow_term *m;
        if (snow_receive(SNOW_INFINITY, &m) != 0)
            return;
        const snow_term *reason;
        if (snow_term_is_tuple_tagged(m, 4, "down") && snow_term_elem(m, 3, &reason) == 0) {
            char key[96];
            reason_key("killed", reason, key, sizeof key);
            probes_count(key);
            seen++;
        }
        snow_term_release(m);
    }
}

static unsigned long long counter_get(const char *key)
{
    unsigned long long v = 0;
    pthread_mutex_lock(&counters_lock);
    for (int i = 0; i < COUNTERS_MAX; i++)
        if (strcmp(counters[i].key, key) == 0)
            v = counters[i].n;
    pthread_mutex_unlock(&counters_lock);
    return v;
}

int probes_watch(const char *mode, size_t from, size_t count)
{
    snow_proc_fn fn = strcmp(mode, "monitor") == 0    ? watch_monitor_main
                      : strcmp(mode, "linktrap") == 0 ? watch_linktrap_main
                      : strcmp(mode, "link") == 0     ? watch_link_main
                                                      : NULL;
    if (fn == NULL)
        return SNOW_EINVAL;
    pthread_mutex_lock(&collect_lock);
    size_t n = from < ncollected ? ncollected - from : 0;
    if (count > 0 && count < n)
        n = count;
    snow_pid targets[COLLECT_MAX];
    memcpy(targets, collected + from, n * sizeof targets[0]);
    pthread_mutex_unlock(&collect_lock);
    unsigned long long ready0 = counter_get("ready");
    snow_term **watchers = calloc(n ? n : 1, sizeof *watchers);
    if (watchers == NULL)
        return SNOW_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        snow_term *arg = snow_pid_term(targets[i]);
        snow_pid w;
        rc = snow_spawn(fn, arg, &w);
        snow_term_release(arg);
        watchers[i] = snow_pid_term(w);
    }
    if (rc == 0 && fn == watch_link_main) {
        snow_term *list = snow_list_from(n, watchers);
        snow_pid reaper;
        rc = list ? snow_spawn(reaper_main, list, &reaper) : SNOW_ENOMEM;
        snow_term_release(list);
    } else {
        for (size_t i = 0; i < n; i++)
            snow_term_release(watchers[i]);
    }
    free(watchers);
    /* bounded wait until every watcher has its link or monitor (and the
     * reaper its monitors) */
    size_t want = n + (fn == watch_link_main ? 1 : 0);
    for (int i = 0; rc == 0 && i < 2000 && counter_get("ready") < ready0 + want; i++) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    if (rc == 0 && counter_get("ready") < ready0 + want)
        rc = SNOW_ETIMEDOUT;
    return rc;
}

int probes_kill_collected(const char *reason)
{
    snow_term *msg = snow_tuple(2, snow_atom("die"), snow_atom(reason));
    if (msg == NULL)
        return SNOW_ENOMEM;
    pthread_mutex_lock(&collect_lock);
    for (size_t i = 0; i < ncollected; i++)
        snow_send(collected[i], msg);
    pthread_mutex_unlock(&collect_lock);
    snow_term_release(msg);
    return 0;
}

int probes_signal_collected(const char *reason)
{
    snow_term *r = snow_atom(reason);
    if (r == NULL)
        return SNOW_ENOMEM;
    pthread_mutex_lock(&collect_lock);
    size_t n = ncollected;
    snow_pid targets[COLLECT_MAX];
    memcpy(targets, collected, n * sizeof targets[0]);
    pthread_mutex_unlock(&collect_lock);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = snow_kill(targets[i], r);
    return rc;
}

/* ---- node monitors ---- */

static void nodemon_main(const snow_term *arg)
{
    const char *node;
    size_t nl;
    if (snow_term_string(arg, &node, &nl) != 0 || snow_node_monitor(node, true) != 0)
        return;
    probes_count("nodemon_ready");
    snow_term *m;
    while (snow_receive(SNOW_INFINITY, &m) == 0) {
        if (snow_term_is_tuple_tagged(m, 3, "nodedown")) {
            char key[300];
            snprintf(key, sizeof key, "nodedown:%s", node);
            probes_count(key);
        }
        snow_term_release(m);
    }
}

int probes_nodemon(const char *node)
{
    snow_term *arg = snow_string(node);
    snow_pid pid;
    unsigned long long ready0 = counter_get("nodemon_ready");
    int rc = arg ? snow_spawn(nodemon_main, arg, &pid) : SNOW_ENOMEM;
    snow_term_release(arg);
    for (int i = 0; rc == 0 && i < 2000 && counter_get("nodemon_ready") <= ready0; i++) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    return rc;
}
