/* SPDX-License-Identifier: MIT */
/* Fault tolerance across real node processes: remote monitors, links, noconnection, creation. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "snow_check.h"

#define WAIT_MS 15000

static void start(struct tnode *n, const char *alive)
{
    ck_assert_msg(tnode_start_default(n, alive, NULL) == 0, "node %s did not start", alive);
}

static void ok(struct tnode *n, const char *cmd)
{
    char reply[4096];
    int rc = tnode_cmd(n, reply, sizeof reply, WAIT_MS, "%s", cmd);
    ck_assert_msg(rc == 0, "%s: %s -> %s", n->name, cmd, rc < 0 ? "timeout" : reply);
}

/* The value of counter `key` in the node's stats (0 if absent). */
static unsigned long long stat_of(struct tnode *n, const char *key)
{
    char reply[4096];
    ck_assert_int_eq(tnode_cmd(n, reply, sizeof reply, WAIT_MS, "stats"), 0);
    char pat[160];
    snprintf(pat, sizeof pat, " %s=", key);
    char *at = strstr(reply + 2, pat);
    return at ? strtoull(at + strlen(pat), NULL, 10) : 0;
}

/* Waits until counter `key` reaches want (bounded), returns the last value. */
static unsigned long long wait_stat(struct tnode *n, const char *key, unsigned long long want)
{
    long long deadline = th_now_ms() + WAIT_MS;
    unsigned long long v = 0;
    while (th_now_ms() < deadline && (v = stat_of(n, key)) < want)
        tnode_pump(n, 20);
    return v;
}

/* b spawns k idle processes that report to a's collector; waits until the
 * collector holds `total` pids. */
static void gather_to(struct tnode *a, struct tnode *b, unsigned k, unsigned total)
{
    char cmd[300], reply[512];
    snprintf(cmd, sizeof cmd, "idle %u col %s", k, a->name);
    ok(b, cmd);
    long long deadline = th_now_ms() + WAIT_MS;
    unsigned long long have = 0;
    while (th_now_ms() < deadline) {
        ck_assert_int_eq(tnode_cmd(a, reply, sizeof reply, WAIT_MS, "collected"), 0);
        have = strtoull(reply + 3, NULL, 10);
        if (have >= total)
            break;
        tnode_pump(a, 20);
    }
    ck_assert_uint_eq(have, total);
}

static void gather(struct tnode *a, struct tnode *b, unsigned k)
{
    gather_to(a, b, k, k);
}

static void pair(struct tnode *a, struct tnode *b)
{
    start(a, "a");
    start(b, "b");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "connect %s", b->dial);
    ok(a, cmd);
    /* b's side is up once a's `ready` arrived: wait, b sends to a next */
    ck_assert_int_eq(tnode_wait_event(b, "nodeup a@127.0.0.1", WAIT_MS), 0);
    ok(a, "collect col");
}

START_TEST(monitor_gets_the_real_exit_reason)
{
    struct tnode a, b;
    pair(&a, &b);
    gather(&a, &b, 3);
    ok(&a, "watch monitor");
    ok(&a, "kill_collected boom");
    ck_assert_uint_eq(wait_stat(&a, "monitor:boom", 3), 3);
    ck_assert_uint_eq(stat_of(&a, "monitor:noconnection"), 0);
    tnode_stop(&a);
    tnode_stop(&b);
}
END_TEST

START_TEST(normal_exit_reaches_monitors_not_links)
{
    struct tnode a, b;
    pair(&a, &b);
    gather(&a, &b, 2);
    ok(&a, "watch monitor");
    ok(&a, "watch link");
    ok(&a, "kill_collected normal");
    ck_assert_uint_eq(wait_stat(&a, "monitor:normal", 2), 2);
    tnode_pump(&a, 300);
    ck_assert_uint_eq(stat_of(&a, "killed:normal"), 0); /* normal does not kill */
    tnode_stop(&a);
    tnode_stop(&b);
}
END_TEST

START_TEST(killed_node_signals_every_link_and_monitor_once)
{
    struct tnode a, b;
    pair(&a, &b);
    gather(&a, &b, 100);
    ok(&a, "watch monitor");
    ok(&a, "watch linktrap 0 50");
    ok(&a, "watch link 50 50");
    ok(&a, "nodemon b@127.0.0.1");
    ok(&a, "nodemon b@127.0.0.1");
    tnode_signal(&b, SIGKILL);
    ck_assert_uint_eq(wait_stat(&a, "monitor:noconnection", 100), 100);
    ck_assert_uint_eq(wait_stat(&a, "trap:noconnection", 50), 50);
    ck_assert_uint_eq(wait_stat(&a, "killed:noconnection", 50), 50);
    ck_assert_uint_eq(wait_stat(&a, "nodedown:b@127.0.0.1", 2), 2);
    tnode_pump(&a, 500); /* and nothing more arrives: exactly once */
    ck_assert_uint_eq(stat_of(&a, "monitor:noconnection"), 100);
    ck_assert_uint_eq(stat_of(&a, "trap:noconnection"), 50);
    ck_assert_uint_eq(stat_of(&a, "killed:noconnection"), 50);
    ck_assert_uint_eq(stat_of(&a, "nodedown:b@127.0.0.1"), 2);
    tnode_stop(&b);
    tnode_stop(&a);
}
END_TEST

START_TEST(restarted_node_old_pids_are_dead_new_ones_work)
{
    struct tnode a, b;
    pair(&a, &b);
    gather(&a, &b, 5);
    tnode_signal(&b, SIGKILL);
    ck_assert_int_eq(tnode_wait_event(&a, "nodedown b@127.0.0.1", WAIT_MS), 0);
    tnode_stop(&b);
    start(&b, "b"); /* same name, new creation */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "connect %s", b.dial);
    ok(&a, cmd);
    ck_assert_int_eq(tnode_wait_event(&b, "nodeup a@127.0.0.1", WAIT_MS), 0);
    /* monitors on pids of the dead incarnation: noproc at once */
    ok(&a, "watch monitor 0 5");
    ck_assert_uint_eq(wait_stat(&a, "monitor:noproc", 5), 5);
    /* links to them: noproc exit at once */
    ok(&a, "watch linktrap 0 5");
    ck_assert_uint_eq(wait_stat(&a, "trap:noproc", 5), 5);
    /* new pids work */
    gather_to(&a, &b, 5, 10); /* the collector now holds 5 old + 5 new */
    ok(&a, "watch monitor 5 5");
    ok(&a, "kill_collected bye");
    ck_assert_uint_eq(wait_stat(&a, "monitor:bye", 5), 5);
    tnode_stop(&a);
    tnode_stop(&b);
}
END_TEST

START_TEST(remote_kill_arrives_as_killed_on_links)
{
    struct tnode a, b;
    pair(&a, &b);
    gather(&a, &b, 4);
    ok(&a, "watch linktrap");
    ok(&a, "signal_collected kill");
    ck_assert_uint_eq(wait_stat(&a, "trap:killed", 4), 4);
    tnode_stop(&a);
    tnode_stop(&b);
}
END_TEST

START_TEST(abnormal_remote_exit_kills_non_trapping_linked_process)
{
    struct tnode a, b;
    pair(&a, &b);
    gather(&a, &b, 3);
    ok(&a, "watch link");
    ok(&a, "kill_collected crash");
    ck_assert_uint_eq(wait_stat(&a, "killed:crash", 3), 3);
    tnode_stop(&a);
    tnode_stop(&b);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("ft");
    TCase *tc = tcase_create("remote");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, monitor_gets_the_real_exit_reason);
    tcase_add_test(tc, normal_exit_reaches_monitors_not_links);
    tcase_add_test(tc, killed_node_signals_every_link_and_monitor_once);
    tcase_add_test(tc, restarted_node_old_pids_are_dead_new_ones_work);
    tcase_add_test(tc, remote_kill_arrives_as_killed_on_links);
    tcase_add_test(tc, abnormal_remote_exit_kills_non_trapping_linked_process);
    suite_add_tcase(s, tc);
    return s;
}
