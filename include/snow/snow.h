/* SPDX-License-Identifier: MIT */
/* Snow: the application API (umbrella header). */
#ifndef SNOW_SNOW_H
#define SNOW_SNOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snow/error.h>
#include <snow/export.h>
#include <snow/term.h>
#include <snow/types.h>
#include <snow/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================
 * Runtime lifetime
 * ====================================================================== */

/* Options for snow_init. Zero-initialise, set what you need, and set
 * `size = sizeof(struct snow_init_opts)` so later fields can be appended. */
struct snow_init_opts {
    size_t size;
    unsigned schedulers;      /* scheduler threads; 0 = number of cores */
    size_t stack_size;        /* per-process stack bytes; 0 = default (64 KiB) */
};

/* Starts the runtime: scheduler threads, timers. Call once per process
 * (after snow_shutdown it may be called again). `opts` may be NULL.
 * schedulers: 1..256 (0 = online cores); stack_size: 16 KiB .. 64 MiB
 * (0 = 64 KiB). Stacks get a guard page on Linux >= 6.13
 * (MADV_GUARD_INSTALL: an overflow faults); on older kernels a canary at
 * the stack's end is checked at every switch and the process is killed with
 * reason `stack_overflow` (detection after the fact, not prevention).
 * Returns 0, SNOW_ESTATE if already running, SNOW_EINVAL, SNOW_ENOMEM. */
SNOW_API int snow_init(const struct snow_init_opts *opts);

/* Stops the runtime: every process still alive gets an untrappable exit
 * signal `shutdown` (acted on at its next receive or sleep: a process stuck
 * in a loop that never calls Snow delays shutdown), every thread is joined,
 * everything is freed (reasons of unjoined processes too). Call from a plain
 * thread, not from inside a Snow process: SNOW_ENOTPROC otherwise.
 * Returns SNOW_ESTATE if the runtime is not running. */
SNOW_API int snow_shutdown(void);

/* ======================================================================
 * Processes
 * ====================================================================== */

/* A process body. `arg` is borrowed for the duration of the call (the
 * runtime holds a reference until the function returns). Returning from the
 * function is an exit with reason `normal`. */
typedef void (*snow_proc_fn)(const snow_term *arg);

/* Spawn options. Zero-initialise and set `size`. */
struct snow_spawn_opts {
    size_t size;
    bool link;                /* link caller <-> child before the child runs */
    bool monitor;             /* caller monitors child; ref returned in *ref */
    size_t stack_size;        /* 0 = runtime default */
};

/* Starts a process running fn(arg). `arg` is not stolen (the runtime takes
 * its own reference; NULL means nil). May be called from a process or from a
 * plain thread. Returns 0 and the pid, or SNOW_EINVAL (fn or out NULL),
 * SNOW_ESTATE (runtime not running), SNOW_ENOMEM, SNOW_ELIMIT (process table
 * full: 16,777,215 slots).
 *
 * A process spawned by a PLAIN THREAD is joinable: when it exits, its exit
 * reason is kept (the slot stays reserved, it no longer counts as live)
 * until one snow_join collects it, or until snow_shutdown. A process spawned
 * by another process is not: it vanishes at exit (use links or monitors).
 *
 * Scheduling is cooperative: a process runs until it blocks in receive,
 * sleep, or until it has spent its budget of sends, spawns and receives
 * (then it yields if others are runnable). A loop that never calls Snow
 * keeps its scheduler thread. Exit signals (snow_kill, links, shutdown)
 * take effect the next time the target receives or sleeps. */
SNOW_API int snow_spawn(snow_proc_fn fn, const snow_term *arg, snow_pid *out);
/* As snow_spawn, and links the caller (must be a process, else
 * SNOW_ENOTPROC) to the child before the child runs its first instruction.
 * snow_spawn_opt: link and/or monitor (ref required with monitor, else
 * SNOW_EINVAL) and a per-process stack size (rounded up to pages, clamped
 * to 16 KiB .. 64 MiB). */
SNOW_API int snow_spawn_link(snow_proc_fn fn, const snow_term *arg, snow_pid *out);
SNOW_API int snow_spawn_opt(snow_proc_fn fn, const snow_term *arg,
                            const struct snow_spawn_opts *opts, snow_pid *out, snow_ref *ref);

/* The calling process's pid, or SNOW_PID_NONE from a plain thread. */
SNOW_API snow_pid snow_self(void);

/* ======================================================================
 * Messages
 * ====================================================================== */

/* Sends `msg` to `to`. The message is not stolen: the runtime takes its own
 * reference (a local send moves a pointer, no copy). Location-transparent:
 * a pid on another node is routed over that node's connection.
 * Returns 0 (a send to a dead local pid also returns 0 and drops the message,
 * as in Erlang), SNOW_EINVAL, or SNOW_ENOCONN when the pid's node is not
 * connected. May be called from plain threads too. */
SNOW_API int snow_send(snow_pid to, const snow_term *msg);

/* Sends to the process registered as `name` on `node` (NULL = this node).
 * SNOW_ENOPROC if no such name is registered locally; a non-NULL node goes
 * to the distribution layer (SNOW_ENOCONN while it is not connected). */
SNOW_API int snow_send_named(const char *name, const char *node, const snow_term *msg);

/* Waits up to timeout_ms (0 polls, SNOW_INFINITY waits forever) for the
 * next message; stores it in *out (caller owns one reference).
 * Returns 0, SNOW_ETIMEDOUT, or SNOW_ENOTPROC outside a process. */
SNOW_API int snow_receive(int64_t timeout_ms, snow_term **out);

/* Selective receive: the first message for which pred(msg, ctx) is true is
 * removed and returned; the others stay in the mailbox in their order. */
typedef bool (*snow_match_fn)(const snow_term *msg, void *ctx);
SNOW_API int snow_receive_match(snow_match_fn pred, void *ctx, int64_t timeout_ms,
                                snow_term **out);

/* Suspends the calling process for ms milliseconds (messages stay queued). */
SNOW_API int snow_sleep(int64_t ms);

/* Delivers `msg` to `to` after ms milliseconds. *timer (may be NULL) names
 * the timer for snow_timer_cancel. */
typedef uint64_t snow_timer;
SNOW_API int snow_send_after(snow_pid to, const snow_term *msg, int64_t ms, snow_timer *timer);
/* 0 if cancelled before it fired, SNOW_ENOENT if it already fired or never
 * existed. */
SNOW_API int snow_timer_cancel(snow_timer timer);

/* ======================================================================
 * Exits, links, monitors
 * ====================================================================== */

/* Exits the calling process with `reason`. Since it never returns, it TAKES
 * the caller's reference to `reason` (NULL = normal): write
 * snow_exit(snow_tuple(2, snow_atom("error"), snow_int(7))) without a leak.
 * From a plain thread it returns SNOW_ENOTPROC and releases `reason`. */
SNOW_API int snow_exit(snow_term *reason);

/* Sends an exit signal with `reason` to `pid`, as Erlang's exit/2. The
 * reason `kill` cannot be trapped and arrives at links as `killed`.
 * `normal` is ignored by a process that does not trap exits. */
SNOW_API int snow_kill(snow_pid pid, const snow_term *reason);

/* Links the caller with pid (bidirectional). Linking to a dead pid sends the
 * caller an exit signal `noproc`. */
SNOW_API int snow_link(snow_pid pid);
SNOW_API int snow_unlink(snow_pid pid);

/* Turns exit signals into {exit, Pid, Reason} messages (true) or not. Stores
 * the previous setting in *old (may be NULL). */
SNOW_API int snow_trap_exit(bool on, bool *old);

/* Monitors pid: when it exits the caller gets {down, Ref, Pid, Reason}.
 * A pid that is already dead gives {down, Ref, Pid, noproc} at once. */
SNOW_API int snow_monitor(snow_pid pid, snow_ref *ref);
/* Removes a monitor. With SNOW_DEMONITOR_FLUSH also removes a {down, Ref, ...}
 * message already in the mailbox. */
#define SNOW_DEMONITOR_FLUSH 1u
SNOW_API int snow_demonitor(snow_ref ref, unsigned flags);

/* A fresh reference, unique across the cluster. */
SNOW_API snow_ref snow_make_ref(void);

/* ======================================================================
 * Local names
 * ====================================================================== */

/* Registers `name` (1..255 bytes) for pid. SNOW_EEXIST if the name is taken
 * or the pid already has a name; SNOW_ENOPROC if pid is not alive. Names are
 * freed when the owner exits. snow_unregister and snow_whereis return
 * SNOW_ENOENT for a name that is not registered. Any thread. */
SNOW_API int snow_register(const char *name, snow_pid pid);
SNOW_API int snow_unregister(const char *name);
SNOW_API int snow_whereis(const char *name, snow_pid *out);

/* ======================================================================
 * Waiting from plain threads
 * ====================================================================== */

/* Blocks a plain thread (e.g. main) until pid exits or timeout_ms passes
 * (SNOW_INFINITY waits forever). Stores the exit reason in *reason (may be
 * NULL; caller releases). Race-free for processes the plain thread spawned:
 * they are joinable (see snow_spawn), so a process that exits before
 * snow_join is called still reports its reason, exactly once. Any other
 * live process can be joined while it runs (every joiner gets the reason).
 * Returns 0, SNOW_ETIMEDOUT, SNOW_ENOPROC (gone, or already joined),
 * SNOW_EINVAL, or SNOW_ESTATE when called from a process (it would block a
 * scheduler thread: use monitors there) or with the runtime stopped. */
SNOW_API int snow_join(snow_pid pid, int64_t timeout_ms, snow_term **reason);

/* Number of live processes on this node (for tests and tools). */
SNOW_API size_t snow_process_count(void);

#ifdef __cplusplus
}
#endif
#endif /* SNOW_SNOW_H */
