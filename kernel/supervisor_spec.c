/* SPDX-License-Identifier: MIT */
/* Supervisor and child specs: validation, defaults, and their term forms. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor_internal.h"

/* A field is readable if the caller's struct (of the size it says) holds it:
 * older callers pass smaller structs, and appended fields keep defaults. */
#define SUP_HAS(p, field) \
    ((p)->size >= offsetof(__typeof__(*(p)), field) + sizeof((p)->field))

#define SUP_DEFAULT_MAX_RESTARTS 1
#define SUP_DEFAULT_PERIOD_MS 5000
#define SUP_DEFAULT_WORKER_SHUTDOWN_MS 5000

int sk_sup_elem_int(const snow_term *t, size_t i, int64_t *out)
{
    const snow_term *e;
    int rc = snow_term_elem(t, i, &e);
    return rc < 0 ? rc : snow_term_int(e, out);
}

int sk_sup_elem_ref(const snow_term *t, size_t i, snow_ref *out)
{
    const snow_term *e;
    int rc = snow_term_elem(t, i, &e);
    return rc < 0 ? rc : snow_term_ref_value(e, out);
}

int sk_sup_elem_pid(const snow_term *t, size_t i, snow_pid *out)
{
    const snow_term *e;
    int rc = snow_term_elem(t, i, &e);
    return rc < 0 ? rc : snow_term_pid(e, out);
}

bool sk_sup_elem_is_string(const snow_term *t, size_t i, const char *s, size_t len)
{
    const snow_term *e;
    const char *v;
    size_t n;
    if (snow_term_elem(t, i, &e) < 0 || snow_term_string(e, &v, &n) < 0)
        return false;
    return n == len && memcmp(v, s, len) == 0;
}

snow_term *sk_sup_pid_or_nil(snow_pid pid)
{
    return pid == SNOW_PID_NONE ? snow_nil() : snow_pid_term(pid);
}

snow_term *sk_sup_ref_or_nil(snow_ref ref)
{
    return ref == SNOW_REF_NONE ? snow_nil() : snow_ref_term(ref);
}

bool sk_sup_reason_is_normal(const snow_term *reason)
{
    if (snow_term_is_atom(reason, "normal") || snow_term_is_atom(reason, "shutdown"))
        return true;
    return snow_term_is_tuple_tagged(reason, 2, "shutdown");
}

/* Checks an id: 1..SNOW_SUP_ID_MAX bytes. */
static int spec_id_check(const char *id)
{
    if (id == NULL)
        return SNOW_EINVAL;
    size_t n = strnlen(id, SNOW_SUP_ID_MAX + 1);
    return n == 0 || n > SNOW_SUP_ID_MAX ? SNOW_EINVAL : 0;
}

int sk_sup_child_build(const struct snow_child_spec *spec, snow_term **out)
{
    if (spec == NULL || out == NULL || spec->size < offsetof(struct snow_child_spec, start_name))
        return SNOW_EINVAL;
    if (spec_id_check(spec->id) < 0)
        return SNOW_EINVAL;
    const char *name = SUP_HAS(spec, start_name) ? spec->start_name : NULL;
    if ((spec->start == NULL) == (name == NULL))
        return SNOW_EINVAL;            /* exactly one way to start */
    if (SUP_HAS(spec, node) && spec->node != NULL)
        return SNOW_ENOTSUP;           /* remote children: CLUST-05 */
    if (name != NULL)
        return SNOW_ENOTSUP;           /* no function registry yet */

    enum snow_sup_restart restart = SUP_HAS(spec, restart) ? spec->restart : SNOW_SUP_PERMANENT;
    enum snow_sup_child_type type = SUP_HAS(spec, type) ? spec->type : SNOW_SUP_WORKER;
    int64_t shutdown = SUP_HAS(spec, shutdown_ms) ? spec->shutdown_ms : SNOW_SUP_SHUTDOWN_DEFAULT;
    if ((unsigned)restart > SNOW_SUP_TEMPORARY || (unsigned)type > SNOW_SUP_SUPERVISOR)
        return SNOW_EINVAL;
    if (shutdown == SNOW_SUP_SHUTDOWN_DEFAULT)
        shutdown = type == SNOW_SUP_SUPERVISOR ? SNOW_INFINITY : SUP_DEFAULT_WORKER_SHUTDOWN_MS;
    if (shutdown < 0 && shutdown != SNOW_INFINITY && shutdown != SNOW_SUP_BRUTAL_KILL)
        return SNOW_EINVAL;

    const snow_term *arg = SUP_HAS(spec, arg) ? spec->arg : NULL;
    snow_term *t = snow_tuple(7, snow_atom("$child"), snow_string(spec->id),
                              snow_function((snow_fn_ptr)spec->start, spec->id, NULL),
                              arg != NULL ? snow_term_ref((snow_term *)arg) : snow_nil(),
                              snow_int(restart), snow_int(shutdown), snow_int(type));
    if (t == NULL)
        return SNOW_ENOMEM;
    *out = t;
    return 0;
}

int sk_sup_child_decode(const snow_term *t, struct sk_sup_child_spec *out)
{
    const snow_term *e;
    snow_fn_ptr fn;
    const char *fname;
    const snow_term *env;
    int64_t restart, shutdown, type;

    if (!snow_term_is_tuple_tagged(t, 7, "$child"))
        return SNOW_EINVAL;
    if (snow_term_elem(t, 1, &e) < 0 || snow_term_string(e, &out->id, &out->id_len) < 0)
        return SNOW_EINVAL;
    if (snow_term_elem(t, 2, &e) < 0 || snow_term_function(e, &fn, &fname, &env) < 0)
        return SNOW_EINVAL;
    if (snow_term_elem(t, 3, &out->arg) < 0)
        return SNOW_EINVAL;
    if (sk_sup_elem_int(t, 4, &restart) < 0 || sk_sup_elem_int(t, 5, &shutdown) < 0 ||
        sk_sup_elem_int(t, 6, &type) < 0)
        return SNOW_EINVAL;
    if (restart < 0 || restart > SNOW_SUP_TEMPORARY || type < 0 || type > SNOW_SUP_SUPERVISOR)
        return SNOW_EINVAL;
    out->start = (snow_proc_fn)fn;
    out->restart = (enum snow_sup_restart)restart;
    out->shutdown_ms = shutdown;
    out->type = (enum snow_sup_child_type)type;
    return 0;
}

/* Flags with defaults applied; SNOW_EINVAL for out-of-range values. */
static int spec_flags_resolve(const struct snow_sup_flags *flags, struct sk_sup_flags *out)
{
    out->strategy = SNOW_SUP_ONE_FOR_ONE;
    out->max_restarts = SUP_DEFAULT_MAX_RESTARTS;
    out->period_ms = SUP_DEFAULT_PERIOD_MS;
    if (flags == NULL)
        return 0;
    if (flags->size < offsetof(struct snow_sup_flags, strategy) + sizeof flags->strategy)
        return SNOW_EINVAL;
    if ((unsigned)flags->strategy > SNOW_SUP_REST_FOR_ONE)
        return SNOW_EINVAL;
    out->strategy = flags->strategy;
    if (SUP_HAS(flags, max_restarts) && flags->max_restarts != 0) {
        if (flags->max_restarts < SNOW_SUP_NO_RESTARTS)
            return SNOW_EINVAL;
        out->max_restarts = flags->max_restarts;
    }
    if (SUP_HAS(flags, period_ms) && flags->period_ms != 0) {
        if (flags->period_ms < 0)
            return SNOW_EINVAL;
        out->period_ms = flags->period_ms;
    }
    return 0;
}

/* True if ids[0..n) holds a duplicate. Specs are few; quadratic is fine. */
static bool spec_has_duplicate_id(const struct snow_child_spec *children, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(children[i].id, children[j].id) == 0)
                return true;
    return false;
}

int snow_supervisor_spec(const struct snow_sup_flags *flags,
                         const struct snow_child_spec *children, size_t n, snow_term **out)
{
    struct sk_sup_flags f;
    if (out == NULL || (children == NULL && n > 0))
        return SNOW_EINVAL;
    int rc = spec_flags_resolve(flags, &f);
    if (rc < 0)
        return rc;

    snow_term **items = NULL;
    if (n > 0 && (items = calloc(n, sizeof *items)) == NULL)
        return SNOW_ENOMEM;
    size_t built = 0;
    for (; built < n; built++) {
        rc = sk_sup_child_build(&children[built], &items[built]);
        if (rc < 0)
            break;
    }
    /* Ids are checked only after every spec validated, so strcmp is safe. */
    if (rc == 0 && spec_has_duplicate_id(children, n))
        rc = SNOW_EINVAL;
    if (rc < 0) {
        for (size_t i = 0; i < built; i++)
            snow_term_release(items[i]);
        free(items);
        return rc;
    }
    snow_term *list = snow_list_from(n, items);
    free(items);
    snow_term *t = snow_tuple(5, snow_atom("$sup_spec"), snow_int(f.strategy),
                              snow_int(f.max_restarts), snow_int(f.period_ms), list);
    if (t == NULL)
        return SNOW_ENOMEM;
    *out = t;
    return 0;
}

int sk_sup_spec_decode(const snow_term *t, struct sk_sup_flags *flags,
                       const snow_term **children)
{
    int64_t strategy, max_restarts, period;
    if (!snow_term_is_tuple_tagged(t, 5, "$sup_spec"))
        return SNOW_EINVAL;
    if (sk_sup_elem_int(t, 1, &strategy) < 0 || sk_sup_elem_int(t, 2, &max_restarts) < 0 ||
        sk_sup_elem_int(t, 3, &period) < 0 || snow_term_elem(t, 4, children) < 0)
        return SNOW_EINVAL;
    if (strategy < 0 || strategy > SNOW_SUP_REST_FOR_ONE || max_restarts < SNOW_SUP_NO_RESTARTS ||
        max_restarts > INT32_MAX || period <= 0)
        return SNOW_EINVAL;
    flags->strategy = (enum snow_sup_strategy)strategy;
    flags->max_restarts = (int)max_restarts;
    flags->period_ms = period;
    return 0;
}
