/* SPDX-License-Identifier: MIT */
/* Multi-node test harness: start snowd node processes, drive their consoles, kill them. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long th_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *th_tmpdir(void)
{
    static char dir[64];
    if (dir[0] == '\0') {
        strcpy(dir, "/tmp/snow-integ-XXXXXX");
        if (mkdtemp(dir) == NULL)
            return "/tmp";
    }
    return dir;
}

const char *th_transport(void)
{
    const char *t = getenv("SNOW_TEST_TRANSPORT");
    return t && *t ? t : "tls";
}

const char *th_plugin_list(const char *tag, const char *extra_lines)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/plugins-%s.conf", th_tmpdir(), tag);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return NULL;
    fprintf(f, "# written by the integration harness\n");
    fprintf(f, "transport transport_%s\n", th_transport());
    fprintf(f, "auth auth_cookie\n");
    if (extra_lines)
        fputs(extra_lines, f);
    fclose(f);
    return path;
}

static const char *snowd_path(void)
{
    static char path[512];
    const char *top = getenv("SNOW_TOP_BUILDDIR");
    snprintf(path, sizeof path, "%s/contrib/snowd/snowd", top ? top : ".");
    return path;
}

/* Reads output for up to timeout_ms; returns bytes read, 0 on timeout, -1
 * on EOF (the node died). */
static int node_read(struct tnode *n, int timeout_ms)
{
    struct pollfd p = {.fd = n->from_fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
    if (r <= 0)
        return 0;
    if (n->len >= sizeof n->buf - 1)
        n->len = 0; /* a line longer than the buffer: drop it */
    ssize_t got = read(n->from_fd, n->buf + n->len, sizeof n->buf - 1 - n->len);
    if (got <= 0)
        return -1;
    n->len += (size_t)got;
    n->buf[n->len] = '\0';
    return (int)got;
}

/* Takes one complete line out of the buffer into line; false if none. */
static bool node_line(struct tnode *n, char *line, size_t len)
{
    char *nl = memchr(n->buf, '\n', n->len);
    if (nl == NULL)
        return false;
    size_t l = (size_t)(nl - n->buf);
    snprintf(line, len, "%.*s", (int)l, n->buf);
    memmove(n->buf, nl + 1, n->len - l - 1);
    n->len -= l + 1;
    n->buf[n->len] = '\0';
    return true;
}

static void node_keep_event(struct tnode *n, const char *line)
{
    if (n->nevents < (int)(sizeof n->events / sizeof n->events[0]))
        snprintf(n->events[n->nevents++], sizeof n->events[0], "%.159s", line + 6);
}

int tnode_start(struct tnode *n, const char *alive, const char *cookie, const char *plugins,
                const char *const *extra)
{
    signal(SIGPIPE, SIG_IGN); /* a node we killed must not kill the test */
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s@127.0.0.1", alive);
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    const char *argv[40];
    int a = 0;
    argv[a++] = snowd_path();
    argv[a++] = "--console";
    argv[a++] = "--name";
    argv[a++] = n->name;
    argv[a++] = "--cookie";
    argv[a++] = cookie ? cookie : "integration-cookie";
    argv[a++] = "--plugins";
    argv[a++] = plugins;
    for (int i = 0; extra && extra[i] && a < 38; i++)
        argv[a++] = extra[i];
    argv[a] = NULL;
    n->pid = fork();
    if (n->pid < 0)
        return -1;
    if (n->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    n->to_fd = in[1];
    n->from_fd = out[0];
    long long deadline = th_now_ms() + 20000;
    char line[512];
    while (th_now_ms() < deadline) {
        while (node_line(n, line, sizeof line)) {
            if (strncmp(line, "READY ", 6) == 0) {
                char nm[128];
                if (sscanf(line, "READY %127s %127s", nm, n->addr) == 2) {
                    const char *colon = strrchr(n->addr, ':');
                    snprintf(n->dial, sizeof n->dial, "%s%s", n->name, colon ? colon : "");
                    return 0;
                }
            }
        }
        if (node_read(n, 200) < 0)
            break;
    }
    tnode_stop(n);
    return -1;
}

int tnode_start_default(struct tnode *n, const char *alive, const char *const *extra)
{
    const char *list = th_plugin_list("default", NULL);
    return list ? tnode_start(n, alive, NULL, list, extra) : -1;
}

int tnode_cmd(struct tnode *n, char *reply, size_t len, int timeout_ms, const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    int l = vsnprintf(cmd, sizeof cmd - 1, fmt, ap);
    va_end(ap);
    if (l < 0 || (size_t)l >= sizeof cmd - 1)
        return -1;
    cmd[l++] = '\n';
    if (write(n->to_fd, cmd, (size_t)l) != l)
        return -1;
    return tnode_answer(n, reply, len, timeout_ms);
}

int tnode_answer(struct tnode *n, char *reply, size_t len, int timeout_ms)
{
    long long deadline = th_now_ms() + timeout_ms;
    char line[4096];
    for (;;) {
        while (node_line(n, line, sizeof line)) {
            if (strncmp(line, "EVENT ", 6) == 0) {
                node_keep_event(n, line);
                continue;
            }
            if (strncmp(line, "OK", 2) == 0 || strncmp(line, "ERR", 3) == 0) {
                if (reply)
                    snprintf(reply, len, "%s", line);
                return line[0] == 'O' ? 0 : 1;
            }
        }
        long long left = deadline - th_now_ms();
        if (left <= 0 || node_read(n, (int)left) < 0)
            return -1;
    }
}

void tnode_pump(struct tnode *n, int timeout_ms)
{
    char line[4096];
    long long deadline = th_now_ms() + timeout_ms;
    do {
        while (node_line(n, line, sizeof line))
            if (strncmp(line, "EVENT ", 6) == 0)
                node_keep_event(n, line);
    } while (node_read(n, (int)(deadline - th_now_ms())) > 0 && th_now_ms() < deadline);
    while (node_line(n, line, sizeof line))
        if (strncmp(line, "EVENT ", 6) == 0)
            node_keep_event(n, line);
}

static int event_take(struct tnode *n, const char *prefix)
{
    for (int i = 0; i < n->nevents; i++) {
        if (strncmp(n->events[i], prefix, strlen(prefix)) == 0) {
            memmove(n->events[i], n->events[i + 1],
                    (size_t)(n->nevents - i - 1) * sizeof n->events[0]);
            n->nevents--;
            return 0;
        }
    }
    return -1;
}

int tnode_wait_event(struct tnode *n, const char *prefix, int timeout_ms)
{
    long long deadline = th_now_ms() + timeout_ms;
    for (;;) {
        tnode_pump(n, 0);
        if (event_take(n, prefix) == 0)
            return 0;
        long long left = deadline - th_now_ms();
        if (left <= 0)
            return -1;
        if (node_read(n, (int)(left < 100 ? left : 100)) < 0) {
            tnode_pump(n, 0);
            return event_take(n, prefix);
        }
    }
}

int tnode_count_events(struct tnode *n, const char *prefix)
{
    tnode_pump(n, 0);
    int c = 0;
    for (int i = 0; i < n->nevents; i++)
        c += strncmp(n->events[i], prefix, strlen(prefix)) == 0;
    return c;
}

void tnode_signal(struct tnode *n, int sig)
{
    if (n->pid > 0)
        kill(n->pid, sig);
}

int tnode_stop(struct tnode *n)
{
    if (n->pid <= 0)
        return -1;
    kill(n->pid, SIGCONT);
    if (n->to_fd > 0) {
        (void)!write(n->to_fd, "quit\n", 5);
        close(n->to_fd);
        n->to_fd = -1;
    }
    int status = -1;
    long long deadline = th_now_ms() + 10000;
    while (th_now_ms() < deadline) {
        pid_t r = waitpid(n->pid, &status, WNOHANG);
        if (r == n->pid)
            break;
        tnode_pump(n, 20); /* keep its stdout drained */
    }
    if (waitpid(n->pid, &status, WNOHANG) == 0) {
        kill(n->pid, SIGKILL);
        waitpid(n->pid, &status, 0);
    }
    if (n->from_fd > 0)
        close(n->from_fd);
    n->from_fd = -1;
    n->pid = -1;
    return status;
}

int tnode_wait_nodes(struct tnode *n, int count, int timeout_ms)
{
    long long deadline = th_now_ms() + timeout_ms;
    char reply[4096];
    while (th_now_ms() < deadline) {
        if (tnode_cmd(n, reply, sizeof reply, 5000, "nodes") == 0) {
            int have = -1;
            sscanf(reply, "OK %d", &have);
            if (have == count)
                return 0;
        }
        tnode_pump(n, 50);
    }
    return -1;
}
