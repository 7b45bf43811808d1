/* SPDX-License-Identifier: MIT */
/* snowd --console: one command per stdin line, one answer line each (for tests and tools). */
#include "console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snow/node.h>
#include <snow/snow.h>

#include "probes.h"
#include "rspawn.h"
#include "services.h"

/*
 * Commands (answers start with OK or ERR <SNOW_E name> <text>):
 *   connect NAME            snow_node_connect
 *   connect_addr NAME ADDR  snow_node_connect_addr (a transport address)
 *   disconnect NAME         snow_node_disconnect
 *   nodes                   OK <n> <name>...
 *   self                    OK <name>
 *   sink NAME               start a counting sink registered as NAME
 *   sink_stat NAME          OK count=<n> out_of_order=<n> bytes=<n> corrupt=<n>
 *   blast NAME NODE N SIZE  send N {Seq, <<SIZE bytes>>} to {NAME, NODE}
 *   ping NODE               send {ping, Self} to {ping, NODE}; OK pong <node>
 *   procs                   OK <live process count>
 *   idle K NAME NODE        K processes reporting {idle, Pid} to {NAME, NODE}
 *   collect NAME            a collector of {idle, Pid} reports
 *   collected               OK <n>
 *   watch MODE [FROM N]     monitor | link | linktrap collected pids
 *   signal_collected REASON snow_kill(pid, REASON) each collected pid
 *   kill_collected REASON   send {die, REASON} to each collected pid
 *   nodemon NODE            one more nodedown counter subscription
 *   stats                   OK k=v ... (counters of the probes)
 *   rspawn* ...             spawning by name, see rspawn.h
 *   quit                    stop the node and exit 0
 */

static void answer_rc(int rc)
{
    if (rc == 0)
        snowd_out("OK");
    else
        snowd_out("ERR %s %s", snow_strerror_name(rc), snow_node_last_error());
}

static void cmd_nodes(void)
{
    char *names[256];
    int n = snow_node_list(names, 256);
    if (n < 0) {
        answer_rc(n);
        return;
    }
    char line[8192];
    size_t o = (size_t)snprintf(line, sizeof line, "OK %d", n);
    for (int i = 0; i < n && i < 256; i++) {
        if (o < sizeof line)
            o += (size_t)snprintf(line + o, sizeof line - o, " %s", names[i]);
        free(names[i]);
    }
    snowd_out("%s", line);
}

struct ping_ctx {
    const char *node;
    int rc;
    char answer[300];
};

static bool is_pong(const snow_term *m, void *ctx)
{
    (void)ctx;
    return snow_term_is_tuple_tagged(m, 2, "pong");
}

static void ping_proc(const snow_term *arg)
{
    int64_t addr;
    snow_term_int(arg, &addr);
    struct ping_ctx *p = (struct ping_ctx *)(intptr_t)addr;
    snow_term *msg = snow_tuple(2, snow_atom("ping"), snow_pid_term(snow_self()));
    p->rc = msg ? snow_send_named("ping", p->node, msg) : SNOW_ENOMEM;
    snow_term_release(msg);
    snow_term *reply = NULL;
    if (p->rc == 0)
        p->rc = snow_receive_match(is_pong, NULL, 5000, &reply);
    if (p->rc == 0) {
        const snow_term *who;
        const char *name;
        size_t len;
        if (snow_term_elem(reply, 1, &who) == 0 && snow_term_atom(who, &name, &len) == 0)
            snprintf(p->answer, sizeof p->answer, "pong %.*s", (int)len, name);
    }
    snow_term_release(reply);
}

static void cmd_ping(const char *node)
{
    struct ping_ctx p = {.node = node};
    snow_term *arg = snow_int((int64_t)(intptr_t)&p);
    snow_pid pid;
    int rc = snow_spawn(ping_proc, arg, &pid);
    snow_term_release(arg);
    if (rc == 0)
        rc = snow_join(pid, 10000, NULL);
    if (rc == 0)
        rc = p.rc;
    if (rc == 0)
        snowd_out("OK %s", p.answer);
    else
        answer_rc(rc);
}

bool snowd_console_line(char *line)
{
    char *save = NULL;
    char *cmd = strtok_r(line, " \t\r\n", &save);
    if (cmd == NULL)
        return true;
    char *a1 = strtok_r(NULL, " \t\r\n", &save);
    char *a2 = strtok_r(NULL, " \t\r\n", &save);
    char *a3 = strtok_r(NULL, " \t\r\n", &save);
    char *a4 = strtok_r(NULL, " \t\r\n", &save);
    if (strcmp(cmd, "quit") == 0) {
        return false;
    } else if (strcmp(cmd, "connect") == 0 && a1) {
        answer_rc(snow_node_connect(a1));
    } else if (strcmp(cmd, "connect_addr") == 0 && a1 && a2) {
        answer_rc(snow_node_connect_addr(a1, a2, -1));
    } else if (strcmp(cmd, "disconnect") == 0 && a1) {
        answer_rc(snow_node_disconnect(a1));
    } else if (strcmp(cmd, "nodes") == 0) {
        cmd_nodes();
    } else if (strcmp(cmd, "self") == 0) {
        const char *self = snow_node_self();
        snowd_out("OK %s", self ? self : "nonode");
    } else if (strcmp(cmd, "sink") == 0 && a1) {
        answer_rc(snowd_sink_start(a1, NULL));
    } else if (strcmp(cmd, "sink_stat") == 0 && a1) {
        struct snowd_sink *s = snowd_sink_find(a1);
        if (s == NULL)
            answer_rc(SNOW_ENOENT);
        else
            snowd_out("OK count=%llu out_of_order=%llu bytes=%llu corrupt=%llu",
                      (unsigned long long)atomic_load(&s->count),
                      (unsigned long long)atomic_load(&s->out_of_order),
                      (unsigned long long)atomic_load(&s->bytes),
                      (unsigned long long)atomic_load(&s->corrupt));
    } else if (strcmp(cmd, "blast") == 0 && a1 && a2 && a3 && a4) {
        answer_rc(snowd_blast(a1, a2, strtoull(a3, NULL, 10), (uint32_t)strtoul(a4, NULL, 10)));
    } else if (strcmp(cmd, "ping") == 0 && a1) {
        cmd_ping(a1);
    } else if (strcmp(cmd, "idle") == 0 && a1 && a2 && a3) {
        answer_rc(probes_idle((unsigned)strtoul(a1, NULL, 10), a2, a3));
    } else if (strcmp(cmd, "collect") == 0 && a1) {
        answer_rc(probes_collect(a1));
    } else if (strcmp(cmd, "collected") == 0) {
        snowd_out("OK %zu", probes_collected());
    } else if (strcmp(cmd, "watch") == 0 && a1) {
        answer_rc(probes_watch(a1, a2 ? strtoul(a2, NULL, 10) : 0,
                               a3 ? strtoul(a3, NULL, 10) : 0));
    } else if (strcmp(cmd, "signal_collected") == 0 && a1) {
        answer_rc(probes_signal_collected(a1));
    } else if (strcmp(cmd, "kill_collected") == 0 && a1) {
        answer_rc(probes_kill_collected(a1));
    } else if (strcmp(cmd, "nodemon") == 0 && a1) {
        answer_rc(probes_nodemon(a1));
    } else if (strcmp(cmd, "stats") == 0) {
        char buf[4096];
        probes_stats(buf, sizeof buf);
        snowd_out("OK %s", buf);
    } else if (strcmp(cmd, "procs") == 0) {
        snowd_out("OK %zu", snow_process_count());
    } else if (rspawn_console(cmd, a1, a2, a3, a4)) {
        /* answered */
    } else {
        snowd_out("ERR SNOW_EINVAL unknown command or missing argument: %s", cmd);
    }
    return true;
}
