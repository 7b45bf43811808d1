/* SPDX-License-Identifier: MIT */
/* Supervisor internals shared by the spec codec, the process and the client calls. */
#ifndef SNOW_KERNEL_SUPERVISOR_INTERNAL_H
#define SNOW_KERNEL_SUPERVISOR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <snow/supervisor.h>

/*
 * Child specs and supervisor specs travel as terms: a supervisor child's
 * argument is its spec, and start_child sends a spec in a message. Layouts:
 *   child spec:      {'$child', Id, Start, Arg, Restart, ShutdownMs, Type}
 *                    Start = function term (local body) or string (name)
 *   supervisor spec: {'$sup_spec', Strategy, MaxRestarts, PeriodMs, [Child]}
 *   start argument:  {'$sup_init', Spec, Parent | nil, AckTo | nil, AckRef | nil}
 *   call:            {'$sup_call', From, Ref, Op, Arg}
 *   reply:           {'$sup_reply', Ref, Code, Value}
 *   start ack:       {'$sup_started', Ref, Code}
 * Enums travel as their integer values. Defaults are resolved before the
 * term is built, so a decoded spec needs no further defaulting.
 */

/* A decoded child spec. `id` and `start` borrow from the spec term. */
struct sk_sup_child_spec {
    const char *id;
    size_t id_len;
    snow_proc_fn start;
    const snow_term *arg;
    enum snow_sup_restart restart;
    int64_t shutdown_ms;           /* >0, SNOW_SUP_BRUTAL_KILL or SNOW_INFINITY */
    enum snow_sup_child_type type;
};

/* Decoded supervisor flags (defaults applied). */
struct sk_sup_flags {
    enum snow_sup_strategy strategy;
    int max_restarts;              /* -1 (SNOW_SUP_NO_RESTARTS) means none */
    int64_t period_ms;
};

/* Call operations (the Op of a '$sup_call'). */
#define SK_SUP_OP_START_CHILD "start_child"
#define SK_SUP_OP_TERMINATE_CHILD "terminate_child"
#define SK_SUP_OP_RESTART_CHILD "restart_child"
#define SK_SUP_OP_DELETE_CHILD "delete_child"
#define SK_SUP_OP_WHICH_CHILDREN "which_children"
#define SK_SUP_OP_STOP "stop"

/* Validates a public child spec and builds its term. */
int sk_sup_child_build(const struct snow_child_spec *spec, snow_term **out);
/* Decodes a child spec term; SNOW_EINVAL if it is not one. */
int sk_sup_child_decode(const snow_term *t, struct sk_sup_child_spec *out);
/* Decodes a supervisor spec term into flags and the list of child terms. */
int sk_sup_spec_decode(const snow_term *t, struct sk_sup_flags *flags,
                       const snow_term **children);

/* Spawns a supervisor from its spec term (linked to the caller if `link`)
 * and waits until it has started its children. Caller must be a process. */
int sk_sup_spawn_sync(const snow_term *spec, bool link, snow_pid *out);

/* Term helpers for fixed-layout tuples. */
int sk_sup_elem_int(const snow_term *t, size_t i, int64_t *out);
int sk_sup_elem_ref(const snow_term *t, size_t i, snow_ref *out);
int sk_sup_elem_pid(const snow_term *t, size_t i, snow_pid *out);
/* True if element i of tuple t is the string `s` (len bytes). */
bool sk_sup_elem_is_string(const snow_term *t, size_t i, const char *s, size_t len);
/* A pid term, or nil for SNOW_PID_NONE; a ref term, or nil for SNOW_REF_NONE. */
snow_term *sk_sup_pid_or_nil(snow_pid pid);
snow_term *sk_sup_ref_or_nil(snow_ref ref);

/* True for `normal`, `shutdown` and {shutdown, _}: not a failure for a
 * transient child. */
bool sk_sup_reason_is_normal(const snow_term *reason);

#endif /* SNOW_KERNEL_SUPERVISOR_INTERNAL_H */
