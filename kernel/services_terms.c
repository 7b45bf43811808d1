/* SPDX-License-Identifier: MIT */
/* Process and term services: ctx-first wrappers over the public API. */
#include "config.h"

#include <snow/snow.h>
#include <snow/term.h>

#include "services_hooks.h"
#include "services_slots.h"

int sk_svc_send(snow_plugin_ctx *ctx, snow_pid to, const snow_term *msg)
{
    return snow_send(to, msg);
}

int sk_svc_send_named(snow_plugin_ctx *ctx, const char *name, const char *node, const snow_term *msg)
{
    return snow_send_named(name, node, msg);
}

int sk_svc_spawn(snow_plugin_ctx *ctx, snow_svc_proc_fn fn, const snow_term *arg, snow_pid *out)
{
    return snow_spawn(fn, arg, out);
}

snow_term *sk_svc_term_ref(snow_plugin_ctx *ctx, snow_term *t)
{
    return snow_term_ref(t);
}

void sk_svc_term_release(snow_plugin_ctx *ctx, snow_term *t)
{
    snow_term_release(t);
}

int sk_svc_term_type(snow_plugin_ctx *ctx, const snow_term *t)
{
    return (int)snow_term_type(t);
}

snow_term *sk_svc_term_nil(snow_plugin_ctx *ctx)
{
    return snow_nil();
}

snow_term *sk_svc_term_int(snow_plugin_ctx *ctx, int64_t v)
{
    return snow_int(v);
}

snow_term *sk_svc_term_atom(snow_plugin_ctx *ctx, const char *name, size_t len)
{
    return snow_atom_len(name, len);
}

snow_term *sk_svc_term_string(snow_plugin_ctx *ctx, const char *s, size_t len)
{
    return snow_string_len(s, len);
}

snow_term *sk_svc_term_binary(snow_plugin_ctx *ctx, const void *data, size_t len)
{
    return snow_binary(data, len);
}

snow_term *sk_svc_term_pid(snow_plugin_ctx *ctx, snow_pid pid)
{
    return snow_pid_term(pid);
}

snow_term *sk_svc_term_tuple(snow_plugin_ctx *ctx, size_t n, snow_term **items)
{
    return snow_tuple_from(n, items);
}

snow_term *sk_svc_term_list(snow_plugin_ctx *ctx, size_t n, snow_term **items)
{
    return snow_list_from(n, items);
}

int sk_svc_term_get_int(snow_plugin_ctx *ctx, const snow_term *t, int64_t *out)
{
    return snow_term_int(t, out);
}

int sk_svc_term_get_atom(snow_plugin_ctx *ctx, const snow_term *t, const char **name, size_t *len)
{
    return snow_term_atom(t, name, len);
}

int sk_svc_term_get_string(snow_plugin_ctx *ctx, const snow_term *t, const char **s, size_t *len)
{
    return snow_term_string(t, s, len);
}

int sk_svc_term_get_binary(snow_plugin_ctx *ctx, const snow_term *t, const void **data, size_t *len)
{
    return snow_term_binary(t, data, len);
}

int sk_svc_term_get_pid(snow_plugin_ctx *ctx, const snow_term *t, snow_pid *out)
{
    return snow_term_pid(t, out);
}

int sk_svc_term_size(snow_plugin_ctx *ctx, const snow_term *t, size_t *n)
{
    return snow_term_size(t, n);
}

int sk_svc_term_elem(snow_plugin_ctx *ctx, const snow_term *t, size_t i, const snow_term **out)
{
    return snow_term_elem(t, i, out);
}

int sk_svc_term_format(snow_plugin_ctx *ctx, const snow_term *t, char *buf, size_t len)
{
    return snow_term_format(t, buf, len);
}

/* STF has no public API on this branch yet: the codec is wired through the
 * hooks by whoever merges the terms area. */
int sk_svc_stf_encode(snow_plugin_ctx *ctx, const snow_term *t, void *buf, size_t len,
                      size_t *outlen)
{
    const struct sk_service_hooks *h = sk_services_hooks();
    if (t == NULL || outlen == NULL || (buf == NULL && len > 0))
        return SNOW_EINVAL;
    return h->stf_encode ? h->stf_encode(ctx, t, buf, len, outlen) : SNOW_ENOTSUP;
}

int sk_svc_stf_decode(snow_plugin_ctx *ctx, const void *data, size_t len, snow_term **out,
                      char *err, size_t errlen)
{
    const struct sk_service_hooks *h = sk_services_hooks();
    if ((data == NULL && len > 0) || out == NULL)
        return SNOW_EINVAL;
    return h->stf_decode ? h->stf_decode(ctx, data, len, out, err, errlen) : SNOW_ENOTSUP;
}
