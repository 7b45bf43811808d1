/* SPDX-License-Identifier: MIT */
/* The supervisor process: starts children, watches exits, applies the strategy. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proc.h"
#include "supervisor_internal.h"

/* One child: its spec term (owned) and the decoded view borrowing from it. */
struct sup_child {
    snow_term *spec;
    struct sk_sup_child_spec s;
    snow_pid pid;              /* SNOW_PID_NONE when not running */
};

struct sup {
    snow_pid self;
    snow_pid parent;           /* exit signals from it stop the supervisor */
    struct sk_sup_flags flags;
    struct sup_child *kids;    /* in start order */
    size_t n, cap;
    int64_t *hist;             /* times (ms) of the restarts inside the period */
    size_t nhist, hist_cap;
};

static int64_t sup_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- selective-receive predicates ---- */

static bool sup_match_down(const snow_term *m, void *ctx)
{
    snow_ref r;
    return snow_term_is_tuple_tagged(m, 4, "down") && sk_sup_elem_ref(m, 1, &r) == 0 &&
           r == *(const snow_ref *)ctx;
}

static bool sup_match_exit(const snow_term *m, void *ctx)
{
    snow_pid p;
    return snow_term_is_tuple_tagged(m, 3, "exit") && sk_sup_elem_pid(m, 1, &p) == 0 &&
           p == *(const snow_pid *)ctx;
}

/* ---- the child table ---- */

static struct sup_child *sup_find(struct sup *s, const char *id, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->kids[i].s.id_len == len && memcmp(s->kids[i].s.id, id, len) == 0)
            return &s->kids[i];
    return NULL;
}

static struct sup_child *sup_find_pid(struct sup *s, snow_pid pid)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->kids[i].pid == pid)
            return &s->kids[i];
    return NULL;
}

/* Appends a child from its spec term (a new reference is taken). */
static int sup_add(struct sup *s, const snow_term *spec)
{
    struct sup_child c = { 0 };
    if (sk_sup_child_decode(spec, &c.s) < 0)
        return SNOW_EINVAL;
    if (sup_find(s, c.s.id, c.s.id_len) != NULL)
        return SNOW_EEXIST;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct sup_child *k = realloc(s->kids, cap * sizeof *k);
        if (k == NULL)
            return SNOW_ENOMEM;
        s->kids = k;
        s->cap = cap;
    }
    c.spec = snow_term_ref((snow_term *)spec);
    s->kids[s->n++] = c;
    return 0;
}

static void sup_remove(struct sup *s, struct sup_child *c)
{
    size_t i = (size_t)(c - s->kids);
    snow_term_release(c->spec);
    memmove(&s->kids[i], &s->kids[i + 1], (s->n - i - 1) * sizeof *c);
    s->n--;
}

static void sup_free(struct sup *s)
{
    for (size_t i = 0; i < s->n; i++)
        snow_term_release(s->kids[i].spec);
    free(s->kids);
    free(s->hist);
    s->kids = NULL;
    s->n = s->cap = s->nhist = s->hist_cap = 0;
    s->hist = NULL;
}

/* ---- starting and stopping one child ---- */

struct sup_ack_wait {
    snow_ref ack;              /* the '$sup_started' reference */
    snow_ref mon;              /* our monitor on the new supervisor */
};

static bool sup_match_ack(const snow_term *m, void *ctx)
{
    const struct sup_ack_wait *w = ctx;
    snow_ref r;
    if (snow_term_is_tuple_tagged(m, 3, "$sup_started"))
        return sk_sup_elem_ref(m, 1, &r) == 0 && r == w->ack;
    return sup_match_down(m, (void *)&w->mon);
}

int sk_sup_spawn_sync(const snow_term *spec, bool link, snow_pid *out)
{
    snow_pid self = snow_self();
    snow_pid pid;
    struct sup_ack_wait w = { .ack = snow_make_ref() };
    struct snow_spawn_opts opts = { .size = sizeof opts, .link = link, .monitor = true };
    snow_term *m = NULL;

    snow_term *arg = snow_tuple(5, snow_atom("$sup_init"), snow_term_ref((snow_term *)spec),
                                link ? snow_pid_term(self) : snow_nil(), snow_pid_term(self),
                                snow_ref_term(w.ack));
    if (arg == NULL)
        return SNOW_ENOMEM;
    int rc = snow_spawn_opt(snow_supervisor_main, arg, &opts, &pid, &w.mon);
    snow_term_release(arg);
    if (rc < 0)
        return rc;

    if ((rc = snow_receive_match(sup_match_ack, &w, SNOW_INFINITY, &m)) < 0)
        return rc;
    int64_t code = SNOW_ECLOSED;       /* it went down before acknowledging */
    bool acked = snow_term_is_tuple_tagged(m, 3, "$sup_started");
    if (acked)
        sk_sup_elem_int(m, 2, &code);
    snow_term_release(m);
    if (code >= 0) {
        snow_demonitor(w.mon, SNOW_DEMONITOR_FLUSH);
        *out = pid;
        return 0;
    }
    /* A failed supervisor exits right after its ack; wait until it has,
     * and drop its exit signal if it had no time to unlink. */
    if (acked && snow_receive_match(sup_match_down, &w.mon, SNOW_INFINITY, &m) == 0)
        snow_term_release(m);
    if (snow_receive_match(sup_match_exit, &pid, 0, &m) == 0)
        snow_term_release(m);
    return (int)code;
}

static int sup_start_child(struct sup *s, struct sup_child *c)
{
    snow_pid pid = SNOW_PID_NONE;
    /* A supervisor child starts synchronously, so its whole subtree runs
     * before the next sibling starts. */
    int rc = c->s.start == snow_supervisor_main ? sk_sup_spawn_sync(c->s.arg, true, &pid)
                                                : snow_spawn_link(c->s.start, c->s.arg, &pid);
    if (rc == 0)
        c->pid = pid;
    return rc;
}

/* OTP's shutdown procedure: monitor, unlink, `shutdown`, wait, then `kill`. */
static void sup_stop_child(struct sup_child *c)
{
    snow_pid pid = c->pid;
    snow_ref mref;
    snow_term *m = NULL;
    bool down = false;

    if (pid == SNOW_PID_NONE)
        return;
    c->pid = SNOW_PID_NONE;
    if (snow_monitor(pid, &mref) < 0)
        return;
    snow_unlink(pid);
    if (c->s.shutdown_ms != SNOW_SUP_BRUTAL_KILL) {
        snow_kill(pid, snow_atom("shutdown"));
        if (snow_receive_match(sup_match_down, &mref, c->s.shutdown_ms, &m) == 0) {
            snow_term_release(m);
            down = true;
        }
    }
    if (!down) {
        snow_kill(pid, snow_atom("kill"));
        if (snow_receive_match(sup_match_down, &mref, SNOW_INFINITY, &m) == 0)
            snow_term_release(m);
    }
    /* If it died before the unlink, its exit signal is already queued. */
    if (snow_receive_match(sup_match_exit, &pid, 0, &m) == 0)
        snow_term_release(m);
}

/* Stops children [from, n) in reverse order; temporary ones are dropped. */
static void sup_stop_from(struct sup *s, size_t from)
{
    for (size_t i = s->n; i-- > from;) {
        sup_stop_child(&s->kids[i]);
        if (s->kids[i].s.restart == SNOW_SUP_TEMPORARY)
            sup_remove(s, &s->kids[i]);
    }
}

/* ---- exits of the supervisor itself ---- */

static void sup_send_ack(snow_pid to, snow_ref ref, int code)
{
    if (to == SNOW_PID_NONE)
        return;
    snow_term *m = snow_tuple(3, snow_atom("$sup_started"), snow_ref_term(ref), snow_int(code));
    if (m != NULL)
        snow_send(to, m);
    snow_term_release(m);
}

/* ---- restarts ---- */

/* Records a restart; false if that exceeds the intensity. */
static bool sup_note_restart(struct sup *s)
{
    if (s->flags.max_restarts < 0)
        return false;
    int64_t now = sup_now_ms();
    size_t keep = 0;
    for (size_t i = 0; i < s->nhist; i++)
        if (now - s->hist[i] < s->flags.period_ms)
            s->hist[keep++] = s->hist[i];
    s->nhist = keep;
    if (s->nhist >= (size_t)s->flags.max_restarts)
        return false;
    if (s->nhist == s->hist_cap) {
        /* Grown on demand: max_restarts may be large and rarely reached. */
        size_t cap = s->hist_cap ? s->hist_cap * 2 : 4;
        int64_t *h = realloc(s->hist, cap * sizeof *h);
        if (h == NULL)
            return true;               /* keep serving; this restart goes uncounted */
        s->hist = h;
        s->hist_cap = cap;
    }
    s->hist[s->nhist++] = now;
    return true;
}

/* Asks ourselves to retry a start that failed (out of memory, limits),
 * as OTP does, so calls and exits are still served in between. */
static void sup_schedule_retry(struct sup *s, struct sup_child *c)
{
    snow_term *m = snow_tuple(2, snow_atom("$sup_retry"), snow_string_len(c->s.id, c->s.id_len));
    if (m != NULL)
        snow_send(s->self, m);
    snow_term_release(m);
}

/* Starts every stopped child in [from, n) in order. */
static void sup_start_from(struct sup *s, size_t from)
{
    for (size_t i = from; i < s->n; i++) {
        if (s->kids[i].pid != SNOW_PID_NONE)
            continue;
        if (sup_start_child(s, &s->kids[i]) < 0) {
            sup_schedule_retry(s, &s->kids[i]);
            return;
        }
    }
}

/* Restarts child c (already stopped) as the strategy says. Returns the
 * supervisor's own exit reason when the intensity is exceeded, else NULL. */
static snow_term *sup_restart(struct sup *s, struct sup_child *c)
{
    if (!sup_note_restart(s))
        return snow_atom("shutdown");
    size_t i = (size_t)(c - s->kids);
    switch (s->flags.strategy) {
    case SNOW_SUP_ONE_FOR_ONE:
        if (sup_start_child(s, c) < 0)
            sup_schedule_retry(s, c);
        break;
    case SNOW_SUP_REST_FOR_ONE:
        sup_stop_from(s, i + 1);
        sup_start_from(s, i);
        break;
    case SNOW_SUP_ONE_FOR_ALL:
        /* Stop the others in reverse order; c itself is already down. */
        for (size_t j = s->n; j-- > 0;) {
            if (&s->kids[j] == c)
                continue;
            sup_stop_child(&s->kids[j]);
            if (s->kids[j].s.restart == SNOW_SUP_TEMPORARY) {
                bool before = &s->kids[j] < c;
                sup_remove(s, &s->kids[j]);
                if (before)
                    c--;
            }
        }
        sup_start_from(s, 0);
        break;
    }
    return NULL;
}

/* An {exit, Pid, Reason} message. Returns our own exit reason (one
 * reference) if the supervisor must exit, else NULL. */
static snow_term *sup_on_exit(struct sup *s, const snow_term *msg)
{
    snow_pid pid;
    const snow_term *reason;
    if (sk_sup_elem_pid(msg, 1, &pid) < 0 || snow_term_elem(msg, 2, &reason) < 0)
        return NULL;
    if (pid == s->parent && pid != SNOW_PID_NONE)
        return snow_term_ref((snow_term *)reason);
    struct sup_child *c = sup_find_pid(s, pid);
    if (c == NULL)
        return NULL;                   /* not ours (a stale or foreign signal) */
    c->pid = SNOW_PID_NONE;
    switch (c->s.restart) {
    case SNOW_SUP_TEMPORARY:
        sup_remove(s, c);
        return NULL;
    case SNOW_SUP_TRANSIENT:
        if (sk_sup_reason_is_normal(reason))
            return NULL;
        break;
    case SNOW_SUP_PERMANENT:
        break;
    }
    return sup_restart(s, c);
}

static snow_term *sup_on_retry(struct sup *s, const snow_term *msg)
{
    const snow_term *id;
    const char *str;
    size_t len;
    if (snow_term_elem(msg, 1, &id) < 0 || snow_term_string(id, &str, &len) < 0)
        return NULL;
    struct sup_child *c = sup_find(s, str, len);
    if (c == NULL || c->pid != SNOW_PID_NONE)
        return NULL;
    return sup_restart(s, c);
}

/* ---- calls ---- */

static snow_term *sup_which_children(struct sup *s)
{
    static const char *const types[] = { "worker", "supervisor" };
    static const char *const restarts[] = { "permanent", "transient", "temporary" };
    snow_term **items = calloc(s->n ? s->n : 1, sizeof *items);
    if (items == NULL)
        return NULL;
    for (size_t i = 0; i < s->n; i++) {
        struct sup_child *c = &s->kids[i];
        items[i] = snow_tuple(4, snow_string_len(c->s.id, c->s.id_len),
                              c->pid ? snow_pid_term(c->pid) : snow_atom("undefined"),
                              snow_atom(types[c->s.type]), snow_atom(restarts[c->s.restart]));
    }
    snow_term *list = snow_list_from(s->n, items);
    free(items);
    return list;
}

/* Runs one call; returns the status and sets *value (one reference). */
static int sup_call(struct sup *s, const char *op, const snow_term *arg, snow_term **value,
                    bool *stop)
{
    const char *id = NULL;
    size_t len = 0;
    struct sup_child *c = NULL;
    int rc;

    if (strcmp(op, SK_SUP_OP_WHICH_CHILDREN) == 0) {
        *value = sup_which_children(s);
        return *value ? 0 : SNOW_ENOMEM;
    }
    if (strcmp(op, SK_SUP_OP_STOP) == 0) {
        *stop = true;
        return 0;
    }
    if (strcmp(op, SK_SUP_OP_START_CHILD) == 0) {
        if ((rc = sup_add(s, arg)) < 0)
            return rc;
        c = &s->kids[s->n - 1];
        if ((rc = sup_start_child(s, c)) < 0) {
            sup_remove(s, c);
            return rc;
        }
        *value = snow_pid_term(c->pid);
        return 0;
    }
    if (snow_term_string(arg, &id, &len) < 0)
        return SNOW_EINVAL;
    if ((c = sup_find(s, id, len)) == NULL)
        return SNOW_ENOENT;
    if (strcmp(op, SK_SUP_OP_TERMINATE_CHILD) == 0) {
        sup_stop_child(c);
        if (c->s.restart == SNOW_SUP_TEMPORARY)
            sup_remove(s, c);
        return 0;
    }
    if (strcmp(op, SK_SUP_OP_RESTART_CHILD) == 0) {
        if (c->pid != SNOW_PID_NONE)
            return SNOW_ESTATE;
        if ((rc = sup_start_child(s, c)) < 0)
            return rc;
        *value = snow_pid_term(c->pid);
        return 0;
    }
    if (strcmp(op, SK_SUP_OP_DELETE_CHILD) == 0) {
        if (c->pid != SNOW_PID_NONE)
            return SNOW_ESTATE;
        sup_remove(s, c);
        return 0;
    }
    return SNOW_EINVAL;
}

/* A '$sup_call' message; returns `normal` after a stop call, else NULL. */
static snow_term *sup_on_call(struct sup *s, const snow_term *msg)
{
    snow_pid from;
    snow_ref ref;
    const snow_term *op, *arg;
    const char *name;
    size_t len;
    char opbuf[32];
    snow_term *value = NULL;
    bool stop = false;
    int rc;

    if (sk_sup_elem_pid(msg, 1, &from) < 0 || sk_sup_elem_ref(msg, 2, &ref) < 0 ||
        snow_term_elem(msg, 3, &op) < 0 || snow_term_elem(msg, 4, &arg) < 0)
        return NULL;
    if (snow_term_atom(op, &name, &len) < 0 || len >= sizeof opbuf) {
        rc = SNOW_EINVAL;
    } else {
        memcpy(opbuf, name, len);
        opbuf[len] = '\0';
        rc = sup_call(s, opbuf, arg, &value, &stop);
    }
    if (stop)
        sup_stop_from(s, 0);
    snow_term *reply = snow_tuple(4, snow_atom("$sup_reply"), snow_ref_term(ref), snow_int(rc),
                                  value != NULL ? value : snow_nil());
    if (reply != NULL)
        snow_send(from, reply);
    snow_term_release(reply);
    return stop ? snow_atom("normal") : NULL;
}

/* ---- the process body ---- */

/* Stops every child (reverse order), frees the state, exits with `reason`
 * (one reference: snow_exit takes it). */
static void sup_exit(struct sup *s, snow_term *reason)
{
    sup_stop_from(s, 0);
    snow_exit(reason); /* the exit hook frees the state */
}

/* However the supervisor dies (its own exit, or killed by a signal it
 * cannot trap), its child table goes with it. */
static void sup_exit_hook(void *arg)
{
    sup_free(arg);
}

static void sup_loop(struct sup *s)
{
    snow_term *reason = NULL;
    while (reason == NULL) {
        snow_term *m = NULL;
        if (snow_receive(SNOW_INFINITY, &m) < 0)
            continue;
        if (snow_term_is_tuple_tagged(m, 3, "exit"))
            reason = sup_on_exit(s, m);
        else if (snow_term_is_tuple_tagged(m, 5, "$sup_call"))
            reason = sup_on_call(s, m);
        else if (snow_term_is_tuple_tagged(m, 2, "$sup_retry"))
            reason = sup_on_retry(s, m);
        /* Anything else is not for us; OTP logs and drops it. */
        snow_term_release(m);
    }
    sup_exit(s, reason);
}

/* Decodes the start argument: either a bare spec or a '$sup_init' tuple. */
static int sup_init_args(const snow_term *arg, const snow_term **spec, snow_pid *parent,
                         snow_pid *ack_to, snow_ref *ack_ref)
{
    *spec = arg;
    *parent = *ack_to = SNOW_PID_NONE;
    *ack_ref = SNOW_REF_NONE;
    if (!snow_term_is_tuple_tagged(arg, 5, "$sup_init"))
        return 0;
    if (snow_term_elem(arg, 1, spec) < 0)
        return SNOW_EINVAL;
    /* Parent, ack target and ref are nil when absent. */
    sk_sup_elem_pid(arg, 2, parent);
    sk_sup_elem_pid(arg, 3, ack_to);
    sk_sup_elem_ref(arg, 4, ack_ref);
    return 0;
}

void snow_supervisor_main(const snow_term *arg)
{
    struct sup s = { .self = snow_self() };
    sk_proc_set_exit_hook(sup_exit_hook, &s); /* every path out ends in snow_exit */
    const snow_term *spec, *children;
    snow_pid ack_to;
    snow_ref ack_ref;

    int rc = sup_init_args(arg, &spec, &s.parent, &ack_to, &ack_ref);
    if (rc == 0)
        rc = sk_sup_spec_decode(spec, &s.flags, &children);
    if (rc == 0)
        rc = snow_trap_exit(true, NULL);

    size_t n = 0;
    if (rc == 0 && snow_term_size(children, &n) < 0)
        rc = SNOW_EINVAL;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const snow_term *child;
        if ((rc = snow_term_elem(children, i, &child)) == 0 && (rc = sup_add(&s, child)) == 0 &&
            (rc = sup_start_child(&s, &s.kids[s.n - 1])) < 0)
            sup_remove(&s, &s.kids[s.n - 1]);
    }
    if (rc < 0) {
        /* Unlink first so a non-trapping caller of start_link survives
         * the failure and just gets the error code. */
        sup_stop_from(&s, 0);
        if (s.parent != SNOW_PID_NONE)
            snow_unlink(s.parent);
        sup_send_ack(ack_to, ack_ref, rc);
        snow_term *reason = snow_tuple(2, snow_atom("shutdown"), snow_atom("failed_to_start_child"));
        sup_exit(&s, reason != NULL ? reason : snow_atom("shutdown"));
        return;
    }
    sup_send_ack(ack_to, ack_ref, 0);
    sup_loop(&s);
}
