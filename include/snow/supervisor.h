/* SPDX-License-Identifier: MIT */
/* Supervisors: OTP-style restart strategies built on the public process API. */
#ifndef SNOW_SUPERVISOR_H
#define SNOW_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snow/error.h>
#include <snow/export.h>
#include <snow/snow.h>
#include <snow/term.h>
#include <snow/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A supervisor is an ordinary Snow process that traps exits, starts its
 * children with snow_spawn_link in the order given, watches them, and restarts
 * them according to its strategy. It is a library layer: it uses only
 * snow_spawn_link, snow_trap_exit, snow_receive_match, snow_kill and
 * snow_monitor, exactly as application code could.
 *
 * Semantics follow Erlang/OTP's `supervisor`:
 *  - one_for_one:  only the child that exited is restarted;
 *  - one_for_all:  every other child is stopped (in reverse start order) and
 *                  then all are started again in order;
 *  - rest_for_one: the children started after the one that exited are
 *                  stopped (in reverse order), then it and they are started
 *                  again in order.
 *  - A permanent child is always restarted; a transient child only when it
 *    exits abnormally (a reason other than `normal`, `shutdown` or
 *    `{shutdown, _}`); a temporary child never (its spec is dropped when it
 *    exits, and it is not restarted by one_for_all / rest_for_one either).
 *  - Restart intensity: if more than `max_restarts` restarts happen within
 *    `period_ms`, the supervisor stops all its children (reverse order) and
 *    exits itself with reason `shutdown`; its own supervisor, if any, then
 *    applies its strategy.
 *  - Stopping a child: the supervisor monitors and unlinks it, sends the exit
 *    signal `shutdown`, and waits up to the child's shutdown time for it to go;
 *    after that (or at once for SNOW_SUP_BRUTAL_KILL) it sends `kill`.
 *  - Children are started in order and stopped in reverse order. A worker
 *    counts as started once it is spawned (there is no init handshake): on
 *    several schedulers, two workers' first instructions may run in either
 *    order. A child whose type is SNOW_SUP_SUPERVISOR is started
 *    synchronously: its own children are all spawned before the next
 *    sibling starts.
 *  - An exit signal from the supervisor's parent (the process that called
 *    snow_supervisor_start_link, or the parent supervisor) stops the children
 *    in reverse order, and the supervisor exits with the parent's reason.
 *    Exit signals from other non-children are ignored, as in OTP.
 *
 * A process killed with `kill` (or by snow_shutdown) runs no cleanup code,
 * so a supervisor killed that way leaks its child table: stop supervisors
 * with snow_supervisor_stop (or an exit signal from their parent).
 *
 * Calls that talk to a running supervisor (start_child, which_children, ...)
 * are synchronous request/reply messages. They work from a Snow process and
 * from a plain thread (the runtime then runs the request in a short-lived
 * helper process and joins it). They return SNOW_ENOPROC if the supervisor is
 * not alive or dies during the call.
 */

/* Restart strategies. */
enum snow_sup_strategy {
    SNOW_SUP_ONE_FOR_ONE = 0,
    SNOW_SUP_ONE_FOR_ALL = 1,
    SNOW_SUP_REST_FOR_ONE = 2,
};

/* When a child is restarted. */
enum snow_sup_restart {
    SNOW_SUP_PERMANENT = 0,
    SNOW_SUP_TRANSIENT = 1,
    SNOW_SUP_TEMPORARY = 2,
};

/* What a child is; a supervisor child gets an infinite default shutdown. */
enum snow_sup_child_type {
    SNOW_SUP_WORKER = 0,
    SNOW_SUP_SUPERVISOR = 1,
};

/* Values for snow_child_spec.shutdown_ms besides a positive timeout.
 * SNOW_INFINITY (-1, types.h) waits for the child forever. */
#define SNOW_SUP_SHUTDOWN_DEFAULT 0   /* 5000 ms for a worker, infinity for a supervisor */
#define SNOW_SUP_BRUTAL_KILL (-2)     /* send `kill` at once */

/* Value for snow_sup_flags.max_restarts: no restart is allowed at all; the
 * first child that needs a restart makes the supervisor exit. */
#define SNOW_SUP_NO_RESTARTS (-1)

/* Longest child id, in bytes. */
#define SNOW_SUP_ID_MAX 255

/* Supervisor flags. Zero-initialise, set `size = sizeof(struct
 * snow_sup_flags)`, and set what you need; later fields are appended. */
struct snow_sup_flags {
    size_t size;
    enum snow_sup_strategy strategy;
    int max_restarts;          /* 0 = default (1, as OTP); SNOW_SUP_NO_RESTARTS */
    int64_t period_ms;         /* 0 = default (5000 ms, as OTP) */
};

/*
 * A child specification. Zero-initialise, set `size = sizeof(struct
 * snow_child_spec)`, and set what you need; later fields are appended.
 * Every pointer is borrowed for the duration of the call only: the
 * supervisor copies strings and takes its own reference to `arg`.
 *
 * The child is started either by function pointer (`start`, given `arg`) or
 * by the name of a registered function (`start_name`, given `arg`). Exactly
 * one of the two must be set. Starting by name is reserved for the
 * distribution layer (remote spawn, CLUST-05): until a function registry
 * exists, a spec with `start_name` is refused with SNOW_ENOTSUP.
 *
 * `node` is reserved for "start this child on node N" (CLUST-05): NULL starts
 * the child on this node; any other value is refused with SNOW_ENOTSUP until
 * remote spawn exists.
 *
 * To nest a supervisor, build its argument with snow_supervisor_spec() and
 * set start = snow_supervisor_main, type = SNOW_SUP_SUPERVISOR.
 */
struct snow_child_spec {
    size_t size;
    const char *id;            /* unique within the supervisor, 1..255 bytes */
    snow_proc_fn start;        /* process body, or NULL when start_name is set */
    const char *start_name;    /* registered function name (reserved) */
    const snow_term *arg;      /* argument of the body; NULL = nil */
    const char *node;          /* reserved: NULL = this node */
    enum snow_sup_restart restart;
    int64_t shutdown_ms;       /* >0 ms, SNOW_SUP_SHUTDOWN_DEFAULT,
                                  SNOW_SUP_BRUTAL_KILL or SNOW_INFINITY */
    enum snow_sup_child_type type;
};

/*
 * Starts a supervisor with `n` initial children (`children` may be NULL when
 * n is 0) and returns after every child has been started, with the
 * supervisor's pid in *out.
 *
 * snow_supervisor_start makes an unlinked supervisor and works from a process
 * or a plain thread; stop it with snow_supervisor_stop.
 * snow_supervisor_start_link links it to the calling process (SNOW_ENOTPROC
 * from a plain thread): the supervisor stops when the caller exits, and the
 * caller gets an exit signal when the supervisor exits.
 *
 * Returns 0; SNOW_EINVAL for a bad flag or spec (duplicate ids included);
 * SNOW_ENOTSUP for a spec using the reserved fields; SNOW_ENOMEM or
 * SNOW_ELIMIT when a process could not be spawned (children already started
 * are stopped again and the supervisor is gone).
 */
SNOW_API int snow_supervisor_start(const struct snow_sup_flags *flags,
                                   const struct snow_child_spec *children, size_t n,
                                   snow_pid *out);
SNOW_API int snow_supervisor_start_link(const struct snow_sup_flags *flags,
                                        const struct snow_child_spec *children, size_t n,
                                        snow_pid *out);

/* Stops the supervisor: its children are stopped in reverse start order, it
 * exits with reason `normal`, and the call returns once it is gone.
 * SNOW_ENOPROC if it is not alive. */
SNOW_API int snow_supervisor_stop(snow_pid sup);

/* Adds a child and starts it; it is started last and stopped first.
 * *out (may be NULL) receives its pid. SNOW_EEXIST if the id is taken;
 * SNOW_EINVAL / SNOW_ENOTSUP for a bad spec. */
SNOW_API int snow_supervisor_start_child(snow_pid sup, const struct snow_child_spec *spec,
                                         snow_pid *out);

/* Stops a running child and keeps its spec (a temporary child's spec is
 * dropped). SNOW_ENOENT if there is no child with that id; 0 if it was not
 * running. */
SNOW_API int snow_supervisor_terminate_child(snow_pid sup, const char *id);

/* Starts a stopped child again from its spec. SNOW_ENOENT if no such id,
 * SNOW_ESTATE if it is running. *out (may be NULL) receives the new pid. */
SNOW_API int snow_supervisor_restart_child(snow_pid sup, const char *id, snow_pid *out);

/* Drops the spec of a stopped child. SNOW_ENOENT if no such id, SNOW_ESTATE
 * if the child is running (terminate it first). */
SNOW_API int snow_supervisor_delete_child(snow_pid sup, const char *id);

/* The children, in start order, as a list of
 *     {Id, Pid | undefined, worker | supervisor, permanent | transient | temporary}
 * (Id a string). *out receives one reference. */
SNOW_API int snow_supervisor_which_children(snow_pid sup, snow_term **out);

/* The pid of the running child `id`: SNOW_ENOENT if no such id, SNOW_ESTATE
 * if it is not running. A convenience over which_children. */
SNOW_API int snow_supervisor_child_pid(snow_pid sup, const char *id, snow_pid *out);

/*
 * Nesting. snow_supervisor_spec() builds the argument of a supervisor child
 * (a term holding the flags and child specs; *out receives one reference).
 * Use it with start = snow_supervisor_main and type = SNOW_SUP_SUPERVISOR in
 * the parent's child spec. snow_supervisor_main is the supervisor's process
 * body; spawned any other way (plain snow_spawn) it runs without a parent.
 */
SNOW_API int snow_supervisor_spec(const struct snow_sup_flags *flags,
                                  const struct snow_child_spec *children, size_t n,
                                  snow_term **out);
SNOW_API void snow_supervisor_main(const snow_term *arg);

#ifdef __cplusplus
}
#endif
#endif /* SNOW_SUPERVISOR_H */
