/* SPDX-License-Identifier: MIT */
/* Spawning by name across real node processes: two binaries, errors, links, 10,000 spawns. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "snow_check.h"

#define WAIT_MS 15000
#define B_NAME "b@127.0.0.1"

/* a runs the "front" module, b the "worker" module: two different programs. */
static const char *app(const char *which)
{
    static char path[2][512];
    const char *top = getenv("SNOW_TOP_BUILDDIR");
    char *p = path[which[0] == 'w'];
    snprintf(p, sizeof path[0], "%s/tests/integration/.libs/app_%s.so", top ? top : ".", which);
    return p;
}

static void start(struct tnode *n, const char *alive, const char *module)
{
    const char *extra[] = {"--app", app(module), NULL};
    ck_assert_msg(tnode_start(n, alive, NULL, th_plugin_list("spawn", NULL), extra) == 0,
                  "node %s did not start", alive);
}

/* Runs a command that must answer OK; returns the text after "OK ". */
static const char *ok(struct tnode *n, const char *fmt, const char *arg)
{
    static char reply[4096];
    char cmd[512];
    snprintf(cmd, sizeof cmd, fmt, arg);
    int rc = tnode_cmd(n, reply, sizeof reply, 2 * WAIT_MS, "%s", cmd);
    ck_assert_msg(rc == 0, "%s: %s -> %s", n->name, cmd, rc < 0 ? "timeout" : reply);
    return reply + 3;
}

/* Runs a command that must answer ERR <code>; returns the whole reply. */
static const char *err(struct tnode *n, const char *code, const char *cmd)
{
    static char reply[4096];
    int rc = tnode_cmd(n, reply, sizeof reply, 2 * WAIT_MS, "%s", cmd);
    ck_assert_msg(rc == 1, "%s: %s -> %s", n->name, cmd, rc < 0 ? "timeout" : reply);
    ck_assert_msg(strncmp(reply + 4, code, strlen(code)) == 0, "%s: %s -> %s (want %s)", n->name,
                  cmd, reply, code);
    return reply;
}

static unsigned long procs(struct tnode *n)
{
    return strtoul(ok(n, "procs%s", ""), NULL, 10);
}

/* Waits (bounded) until n's process count is back to `base`. */
static void settles_to(struct tnode *n, unsigned long base)
{
    long long deadline = th_now_ms() + WAIT_MS;
    unsigned long have;
    while ((have = procs(n)) != base && th_now_ms() < deadline)
        tnode_pump(n, 20);
    ck_assert_msg(have == base, "%s: %lu processes, baseline %lu", n->name, have, base);
}

/* True when every thread of pid is stopped (group stop complete). */
static bool all_threads_stopped(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return false;
    bool stopped = true;
    struct dirent *e;
    while (stopped && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sp[320], line[512];
        snprintf(sp, sizeof sp, "/proc/%d/task/%s/stat", (int)pid, e->d_name);
        FILE *f = fopen(sp, "r");
        if (f == NULL)
            continue;
        const char *close = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
        stopped = close != NULL && (close[2] == 'T' || close[2] == 't');
        fclose(f);
    }
    closedir(d);
    return stopped;
}

/* SIGSTOPs the node and waits (bounded) until it really stands still, so
 * nothing it was sent afterwards can be handled before SIGCONT. */
static void freeze(struct tnode *n)
{
    tnode_signal(n, SIGSTOP);
    long long deadline = th_now_ms() + WAIT_MS;
    while (!all_threads_stopped(n->pid) && th_now_ms() < deadline)
        tnode_pump(n, 5);
    ck_assert_msg(all_threads_stopped(n->pid), "%s did not stop", n->name);
}

static void pair(struct tnode *a, struct tnode *b)
{
    start(a, "a", "front");
    start(b, "b", "worker");
    ok(a, "connect %s", b->dial);
    ck_assert_int_eq(tnode_wait_nodes(b, 1, WAIT_MS), 0);
}

static void unpair(struct tnode *a, struct tnode *b)
{
    ck_assert_int_eq(tnode_stop(a), 0);
    ck_assert_int_eq(tnode_stop(b), 0);
}

START_TEST(two_binaries_echo_and_real_down_reason)
{
    struct tnode a, b;
    pair(&a, &b);
    unsigned long base_b = procs(&b);
    const char *r = ok(&a, "rspawn_echo %s worker.echo boom", B_NAME);
    ck_assert_msg(strstr(r, "echo={hello, 42}") || strstr(r, "echo={hello,42}"), "%s", r);
    ck_assert_msg(strstr(r, "down=boom"), "%s", r);
    ck_assert_msg(strstr(r, "node=" B_NAME), "%s", r);
    /* each binary offers its own functions, and only those */
    ck_assert_msg(strstr(ok(&b, "rspawn_loop a@127.0.0.1 front.reply %s", "10"), "n=10"), "b->a");
    err(&a, "SNOW_ENOFUNC", "rspawn " B_NAME " front.reply");
    err(&b, "SNOW_ENOFUNC", "rspawn a@127.0.0.1 worker.echo");
    settles_to(&b, base_b);
    unpair(&a, &b);
}
END_TEST

START_TEST(unknown_function_names_function_and_node)
{
    struct tnode a, b;
    pair(&a, &b);
    unsigned long base_a = procs(&a), base_b = procs(&b);
    const char *r = err(&a, "SNOW_ENOFUNC", "rspawn " B_NAME " worker.nope");
    ck_assert_msg(strstr(r, "worker.nope") && strstr(r, B_NAME), "%s", r);
    ck_assert_int_eq(tnode_wait_nodes(&a, 1, WAIT_MS), 0); /* the link stays up */
    settles_to(&a, base_a);
    settles_to(&b, base_b);
    unpair(&a, &b);
}
END_TEST

START_TEST(function_in_args_refused_before_sending)
{
    struct tnode a, b;
    pair(&a, &b);
    unsigned long base_a = procs(&a), base_b = procs(&b);
    const char *r = err(&a, "SNOW_ENOTSERIALIZABLE", "rspawn " B_NAME " worker.echo FUN");
    ck_assert_msg(strstr(r, "worker.echo"), "%s", r);
    ck_assert_int_eq(tnode_wait_nodes(&a, 1, WAIT_MS), 0);
    ck_assert_msg(strstr(ok(&a, "rspawn_loop " B_NAME " worker.reply %s", "3"), "n=3"), "after");
    settles_to(&a, base_a);
    settles_to(&b, base_b);
    unpair(&a, &b);
}
END_TEST

START_TEST(node_not_connected)
{
    struct tnode a;
    start(&a, "a", "front");
    unsigned long base_a = procs(&a);
    const char *r = err(&a, "SNOW_ENOCONN", "rspawn zz@127.0.0.1 worker.echo");
    ck_assert_msg(strstr(r, "zz@127.0.0.1"), "%s", r);
    settles_to(&a, base_a);
    ck_assert_int_eq(tnode_stop(&a), 0);
}
END_TEST

START_TEST(node_lost_during_the_call)
{
    struct tnode a, b;
    pair(&a, &b);
    unsigned long base_a = procs(&a);
    freeze(&b); /* b never answers */
    const char cmd[] = "rspawn " B_NAME " worker.reply nil 30000\n";
    ck_assert_int_eq(write(a.to_fd, cmd, sizeof cmd - 1), (ssize_t)(sizeof cmd - 1));
    tnode_pump(&a, 200); /* let the request leave (either order gives ENOCONN) */
    tnode_signal(&b, SIGKILL);
    char reply[4096];
    long long t0 = th_now_ms();
    ck_assert_int_eq(tnode_answer(&a, reply, sizeof reply, WAIT_MS), 1);
    ck_assert_msg(strncmp(reply, "ERR SNOW_ENOCONN", 16) == 0, "%s", reply);
    ck_assert_int_lt(th_now_ms() - t0, 10000); /* the loss, not the 30 s timeout */
    settles_to(&a, base_a);
    tnode_stop(&b);
    ck_assert_int_eq(tnode_stop(&a), 0);
}
END_TEST

START_TEST(no_answer_times_out)
{
    struct tnode a, b;
    pair(&a, &b);
    unsigned long base_a = procs(&a), base_b = procs(&b);
    freeze(&b);
    const char *r = err(&a, "SNOW_ETIMEDOUT", "rspawn " B_NAME " worker.reply nil 300");
    ck_assert_msg(strstr(r, "worker.reply"), "%s", r);
    tnode_signal(&b, SIGCONT);
    settles_to(&a, base_a);
    settles_to(&b, base_b); /* the late child ran and ended */
    unpair(&a, &b);
}
END_TEST

START_TEST(link_child_crash_kills_caller)
{
    struct tnode a, b;
    pair(&a, &b);
    unsigned long base_a = procs(&a), base_b = procs(&b);
    const char *r = ok(&a, "rspawn_link %s worker.echo die boom", B_NAME);
    ck_assert_msg(strstr(r, "caller=boom"), "%s", r);
    r = ok(&a, "rspawn_link %s worker.echo trap bang", B_NAME);
    ck_assert_msg(strstr(r, "trapped=bang"), "%s", r);
    settles_to(&a, base_a);
    settles_to(&b, base_b);
    unpair(&a, &b);
}
END_TEST

START_TEST(link_caller_crash_kills_child)
{
    struct tnode a, b;
    pair(&a, &b);
    unsigned long base_b = procs(&b);
    const char *r = ok(&a, "rspawn_link %s worker.echo orphan boom", B_NAME);
    ck_assert_msg(strstr(r, "child=boom"), "%s", r);
    settles_to(&b, base_b);
    unpair(&a, &b);
}
END_TEST

START_TEST(link_lost_node_gives_noconnection_both_ways)
{
    struct tnode a, b;
    /* b dies: the caller on a traps {exit, Child, noconnection} */
    pair(&a, &b);
    const char cmd[] = "rspawn_link " B_NAME " worker.echo hold x\n";
    ck_assert_int_eq(write(a.to_fd, cmd, sizeof cmd - 1), (ssize_t)(sizeof cmd - 1));
    ck_assert_int_eq(tnode_wait_event(&a, "rspawn_linked", WAIT_MS), 0);
    tnode_signal(&b, SIGKILL);
    char reply[4096];
    ck_assert_int_eq(tnode_answer(&a, reply, sizeof reply, WAIT_MS), 0);
    ck_assert_msg(strstr(reply, "trapped=noconnection"), "%s", reply);
    tnode_stop(&b);
    ck_assert_int_eq(tnode_stop(&a), 0);

    /* a dies: the child on b, linked to a caller that is gone, ends too */
    pair(&a, &b);
    unsigned long base_b = procs(&b);
    ck_assert_int_eq(write(a.to_fd, cmd, sizeof cmd - 1), (ssize_t)(sizeof cmd - 1));
    ck_assert_int_eq(tnode_wait_event(&a, "rspawn_linked", WAIT_MS), 0);
    ck_assert_uint_eq(procs(&b), base_b + 1);
    tnode_signal(&a, SIGKILL);
    settles_to(&b, base_b);
    tnode_stop(&a);
    ck_assert_int_eq(tnode_stop(&b), 0);
}
END_TEST

START_TEST(ten_thousand_spawns_return_to_baseline)
{
    struct tnode a, b;
    pair(&a, &b);
    unsigned long base_a = procs(&a), base_b = procs(&b);
    const char *r = ok(&a, "rspawn_loop %s worker.reply 10000", B_NAME);
    ck_assert_msg(strstr(r, "n=10000"), "%s", r);
    fprintf(stderr, "# %s 10000 remote spawns: %s\n", th_transport(), r);
    settles_to(&a, base_a);
    settles_to(&b, base_b);
    unpair(&a, &b);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("spawn");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"two_binaries", two_binaries_echo_and_real_down_reason},
        {"unknown_function", unknown_function_names_function_and_node},
        {"bad_args", function_in_args_refused_before_sending},
        {"not_connected", node_not_connected},
        {"node_lost", node_lost_during_the_call},
        {"timeout", no_answer_times_out},
        {"link_child_crash", link_child_crash_kills_caller},
        {"link_caller_crash", link_caller_crash_kills_child},
        {"link_noconnection", link_lost_node_gives_noconnection_both_ways},
        {"loop_10000", ten_thousand_spawns_return_to_baseline},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 2 * SNOW_TEST_TIMEOUT); /* two node processes, TLS, ASan */
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
