/* SPDX-License-Identifier: MIT */
/* Multi-node test harness: start snowd node processes, drive their consoles, kill them. */
#ifndef SNOW_TEST_HARNESS_H
#define SNOW_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Each node is a real `snowd --console` process on 127.0.0.1 (port chosen by
 * the OS), started with the plugin list of the run (SNOW_TEST_TRANSPORT =
 * tcp | tls; default tls). Commands are lines on its stdin; answers and
 * EVENT lines come back on its stdout. Every wait has a deadline. A test
 * kills only the nodes it started, by pid; tnode_stop reaps them.
 */
struct tnode {
    pid_t pid;
    int to_fd;              /* its stdin */
    int from_fd;            /* its stdout */
    char name[128];         /* "a@127.0.0.1" */
    char addr[128];         /* "127.0.0.1:41234" */
    char dial[256];         /* "a@127.0.0.1:41234", what peers connect to */
    char buf[65536];        /* unread output */
    size_t len;
    char events[256][160];  /* EVENT lines seen, in order */
    int nevents;
};

/* Directory for this test's files (plugin lists), created once. */
const char *th_tmpdir(void);
/* "tcp" or "tls" from SNOW_TEST_TRANSPORT. */
const char *th_transport(void);
/* Writes a plugin list for the run's transport (cookie auth, no discovery
 * unless `discovery` is set) and returns its path. */
const char *th_plugin_list(const char *tag, const char *extra_lines);

/* Starts node `alive` ("a" -> "a@127.0.0.1") with extra snowd arguments
 * (NULL-terminated, may be NULL). Waits for READY. 0 or -1. */
int tnode_start(struct tnode *n, const char *alive, const char *cookie, const char *plugins,
                const char *const *extra);
/* tnode_start with the run's default plugin list (transport + cookie auth)
 * and the default cookie. */
int tnode_start_default(struct tnode *n, const char *alive, const char *const *extra);
/* Sends a command and waits (timeout_ms) for its OK/ERR line, copied into
 * reply. Returns 0 for OK, 1 for ERR, -1 for timeout or a dead node. */
int tnode_cmd(struct tnode *n, char *reply, size_t len, int timeout_ms, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Waits for the next OK/ERR answer (of a command written directly to
 * to_fd). Same returns as tnode_cmd. */
int tnode_answer(struct tnode *n, char *reply, size_t len, int timeout_ms);
/* Waits for an EVENT line starting with `prefix` (after "EVENT "), seen
 * earlier or arriving within timeout_ms. Consumes it. 0 or -1. */
int tnode_wait_event(struct tnode *n, const char *prefix, int timeout_ms);
/* Count of EVENT lines seen so far that start with prefix (not consumed). */
int tnode_count_events(struct tnode *n, const char *prefix);
/* Reads whatever output is pending for up to timeout_ms (collects events). */
void tnode_pump(struct tnode *n, int timeout_ms);
/* Sends a signal to the node. */
void tnode_signal(struct tnode *n, int sig);
/* Asks the node to quit, waits up to 10 s, else SIGKILLs it; reaps it.
 * Returns its exit status (or -1). */
int tnode_stop(struct tnode *n);
/* Waits up to timeout_ms for the node to list `count` connected nodes. */
int tnode_wait_nodes(struct tnode *n, int count, int timeout_ms);

/* Milliseconds on the monotonic clock. */
long long th_now_ms(void);

#endif /* SNOW_TEST_HARNESS_H */
