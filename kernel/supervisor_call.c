/* SPDX-License-Identifier: MIT */
/* Supervisor client calls: start, stop and child management as request/reply. */
#include <stdint.h>
#include <string.h>

#include "supervisor_internal.h"

/*
 * One request. A call needs a mailbox, so from a plain thread it runs in a
 * short-lived helper process: the thread passes this struct's address as
 * the helper's argument and joins it; the helper writes `rc` and `value`
 * before it exits, and snow_join orders those writes before the read.
 */
struct sup_req {
    int (*run)(struct sup_req *r);
    snow_pid sup;
    const char *op;
    const snow_term *arg;      /* borrowed */
    const snow_term *spec;     /* start: the supervisor spec */
    bool link;                 /* start: link to the caller */
    bool wait_exit;            /* stop: return once the supervisor is gone */
    snow_term *value;          /* out: one reference, or NULL */
    snow_pid pid;              /* out: start */
    int rc;
};

static void sup_req_main(const snow_term *arg)
{
    int64_t addr;
    if (snow_term_int(arg, &addr) < 0)
        return;
    struct sup_req *r = (struct sup_req *)(intptr_t)addr;
    r->rc = r->run(r);
}

static int sup_req_run(struct sup_req *r)
{
    if (snow_self() != SNOW_PID_NONE)
        return r->run(r);
    r->rc = SNOW_ECLOSED;              /* if the helper is killed first */
    snow_term *a = snow_int((int64_t)(intptr_t)r);
    if (a == NULL)
        return SNOW_ENOMEM;
    snow_pid pid;
    int rc = snow_spawn(sup_req_main, a, &pid);
    snow_term_release(a);
    if (rc < 0)
        return rc;
    snow_term *reason = NULL;
    rc = snow_join(pid, SNOW_INFINITY, &reason);
    snow_term_release(reason);
    return rc < 0 ? rc : r->rc;
}

struct sup_reply_wait {
    snow_ref ref;
    snow_ref mon;
};

static bool sup_match_reply(const snow_term *m, void *ctx)
{
    const struct sup_reply_wait *w = ctx;
    snow_ref r;
    if (snow_term_is_tuple_tagged(m, 4, "$sup_reply"))
        return sk_sup_elem_ref(m, 1, &r) == 0 && r == w->ref;
    return snow_term_is_tuple_tagged(m, 4, "down") && sk_sup_elem_ref(m, 1, &r) == 0 &&
           r == w->mon;
}

static bool sup_match_mon(const snow_term *m, void *ctx)
{
    snow_ref r;
    return snow_term_is_tuple_tagged(m, 4, "down") && sk_sup_elem_ref(m, 1, &r) == 0 &&
           r == *(const snow_ref *)ctx;
}

/* Sends {'$sup_call', Self, Ref, Op, Arg} and waits for the reply or for
 * the supervisor's death (SNOW_ENOPROC). Runs inside a process. */
static int sup_call_here(struct sup_req *r)
{
    struct sup_reply_wait w = { .ref = snow_make_ref() };
    snow_term *m = NULL;
    int rc = snow_monitor(r->sup, &w.mon);
    if (rc < 0)
        return rc == SNOW_EINVAL ? SNOW_ENOPROC : rc;
    m = snow_tuple(5, snow_atom("$sup_call"), snow_pid_term(snow_self()), snow_ref_term(w.ref),
                   snow_atom(r->op),
                   r->arg != NULL ? snow_term_ref((snow_term *)r->arg) : snow_nil());
    if (m == NULL) {
        snow_demonitor(w.mon, SNOW_DEMONITOR_FLUSH);
        return SNOW_ENOMEM;
    }
    rc = snow_send(r->sup, m);
    snow_term_release(m);
    if (rc < 0 || (rc = snow_receive_match(sup_match_reply, &w, SNOW_INFINITY, &m)) < 0) {
        snow_demonitor(w.mon, SNOW_DEMONITOR_FLUSH);
        return rc;
    }
    if (!snow_term_is_tuple_tagged(m, 4, "$sup_reply")) {
        snow_term_release(m);          /* the {down, ...}: it is gone */
        return SNOW_ENOPROC;
    }
    int64_t code = SNOW_EPROTO;
    const snow_term *v;
    sk_sup_elem_int(m, 2, &code);
    if (code == 0 && snow_term_elem(m, 3, &v) == 0)
        r->value = snow_term_ref((snow_term *)v);
    snow_term_release(m);
    if (r->wait_exit && code == 0) {
        if (snow_receive_match(sup_match_mon, &w.mon, SNOW_INFINITY, &m) == 0)
            snow_term_release(m);
    } else {
        snow_demonitor(w.mon, SNOW_DEMONITOR_FLUSH);
    }
    return (int)code;
}

static int sup_start_here(struct sup_req *r)
{
    return sk_sup_spawn_sync(r->spec, r->link, &r->pid);
}

/* Runs `op` on `sup` with `arg` (borrowed); *value gets the reply value. */
static int sup_call(snow_pid sup, const char *op, const snow_term *arg, bool wait_exit,
                    snow_term **value)
{
    struct sup_req r = { .run = sup_call_here, .sup = sup, .op = op, .arg = arg,
                         .wait_exit = wait_exit };
    if (sup == SNOW_PID_NONE)
        return SNOW_EINVAL;
    int rc = sup_req_run(&r);
    if (rc == 0 && value != NULL)
        *value = r.value;
    else
        snow_term_release(r.value);
    return rc;
}

/* A call whose argument is a child id. */
static int sup_call_id(snow_pid sup, const char *op, const char *id, snow_term **value)
{
    if (id == NULL || id[0] == '\0' || strnlen(id, SNOW_SUP_ID_MAX + 1) > SNOW_SUP_ID_MAX)
        return SNOW_EINVAL;
    snow_term *t = snow_string(id);
    if (t == NULL)
        return SNOW_EINVAL;            /* not UTF-8, or out of memory */
    int rc = sup_call(sup, op, t, false, value);
    snow_term_release(t);
    return rc;
}

/* Stores the pid of a reply value (a pid term) in *out, if out is set. */
static void sup_value_pid(snow_term *value, snow_pid *out)
{
    if (out != NULL && snow_term_pid(value, out) < 0)
        *out = SNOW_PID_NONE;
    snow_term_release(value);
}

static int sup_start(const struct snow_sup_flags *flags, const struct snow_child_spec *children,
                     size_t n, bool link, snow_pid *out)
{
    snow_term *spec = NULL;
    if (out == NULL)
        return SNOW_EINVAL;
    if (link && snow_self() == SNOW_PID_NONE)
        return SNOW_ENOTPROC;
    int rc = snow_supervisor_spec(flags, children, n, &spec);
    if (rc < 0)
        return rc;
    struct sup_req r = { .run = sup_start_here, .spec = spec, .link = link };
    rc = sup_req_run(&r);
    snow_term_release(spec);
    if (rc == 0)
        *out = r.pid;
    return rc;
}

int snow_supervisor_start(const struct snow_sup_flags *flags,
                          const struct snow_child_spec *children, size_t n, snow_pid *out)
{
    return sup_start(flags, children, n, false, out);
}

int snow_supervisor_start_link(const struct snow_sup_flags *flags,
                               const struct snow_child_spec *children, size_t n, snow_pid *out)
{
    return sup_start(flags, children, n, true, out);
}

int snow_supervisor_stop(snow_pid sup)
{
    return sup_call(sup, SK_SUP_OP_STOP, NULL, true, NULL);
}

int snow_supervisor_start_child(snow_pid sup, const struct snow_child_spec *spec, snow_pid *out)
{
    snow_term *t, *value = NULL;
    int rc = sk_sup_child_build(spec, &t);
    if (rc < 0)
        return rc;
    rc = sup_call(sup, SK_SUP_OP_START_CHILD, t, false, &value);
    snow_term_release(t);
    if (rc == 0)
        sup_value_pid(value, out);
    return rc;
}

int snow_supervisor_terminate_child(snow_pid sup, const char *id)
{
    return sup_call_id(sup, SK_SUP_OP_TERMINATE_CHILD, id, NULL);
}

int snow_supervisor_restart_child(snow_pid sup, const char *id, snow_pid *out)
{
    snow_term *value = NULL;
    int rc = sup_call_id(sup, SK_SUP_OP_RESTART_CHILD, id, &value);
    if (rc == 0)
        sup_value_pid(value, out);
    return rc;
}

int snow_supervisor_delete_child(snow_pid sup, const char *id)
{
    return sup_call_id(sup, SK_SUP_OP_DELETE_CHILD, id, NULL);
}

int snow_supervisor_which_children(snow_pid sup, snow_term **out)
{
    if (out == NULL)
        return SNOW_EINVAL;
    return sup_call(sup, SK_SUP_OP_WHICH_CHILDREN, NULL, false, out);
}

int snow_supervisor_child_pid(snow_pid sup, const char *id, snow_pid *out)
{
    snow_term *list = NULL;
    size_t n = 0;
    if (id == NULL || out == NULL)
        return SNOW_EINVAL;
    int rc = snow_supervisor_which_children(sup, &list);
    if (rc < 0)
        return rc;
    rc = SNOW_ENOENT;
    snow_term_size(list, &n);
    for (size_t i = 0; i < n; i++) {
        const snow_term *e;
        if (snow_term_elem(list, i, &e) < 0 || !sk_sup_elem_is_string(e, 0, id, strlen(id)))
            continue;
        rc = sk_sup_elem_pid(e, 1, out) == 0 ? 0 : SNOW_ESTATE;
        break;
    }
    snow_term_release(list);
    return rc;
}
