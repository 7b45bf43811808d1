/* SPDX-License-Identifier: MIT */
/* Loader test fixtures: one source, one awkward case per -DFX_* build. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snow/plugin.h>

/* Some variants deliberately leave parts unreferenced. */
#define FX_MAYBE_UNUSED __attribute__((unused))

#ifndef FX_NAME
#error "build with -DFX_NAME='\"name\"'"
#endif

struct fx_state {
    const struct snow_services *svc;
    snow_plugin_ctx *ctx;
    int64_t port, timeout;
    bool verbose;
    const char *label, *certfile, *need;
};

static int fx_ctl(void *state, int op, void *arg)
{
    struct fx_state *st = state;
    if (op != SNOW_CTL_STATUS || arg == NULL)
        return SNOW_ENOTSUP;
    struct snow_ctl_text *t = arg;
    snprintf(t->buf, t->len, "port=%lld timeout=%lld verbose=%d label=%s certfile=%s need=%s",
             (long long)st->port, (long long)st->timeout, (int)st->verbose,
             st->label ? st->label : "-", st->certfile ? st->certfile : "-",
             st->need ? st->need : "-");
    return 0;
}

/* A transport that moves nothing: enough for the loader. */
static int fx_listen(void *state, snow_listener *l, const char *addr, void **lstate, char *bound,
                     size_t boundlen)
{
    snprintf(bound, boundlen, "%s", addr);
    *lstate = NULL;
    return 0;
}

static void fx_unlisten(void *state, snow_listener *l, void *lstate)
{
}

FX_MAYBE_UNUSED static int fx_connect(void *state, snow_conn *c, void *cs, const char *addr)
{
    return SNOW_ECONNREFUSED;
}

static int fx_send(void *state, snow_conn *c, void *cs, const struct snow_iov *iov, int iovcnt)
{
    return 0;
}

static void fx_close(void *state, snow_conn *c, void *cs)
{
}

#if defined(FX_V1)
/* Exactly the v1 sizes: proves plugins built against the first header keep
 * loading when later minors append slots. */
#define FX_OPS_SIZE SNOW_TRANSPORT_OPS_V1_SIZE
#define FX_DESC_SIZE SNOW_PLUGIN_DESC_V1_SIZE
#else
#define FX_OPS_SIZE sizeof(struct snow_transport_ops)
#define FX_DESC_SIZE ((uint32_t)sizeof(struct snow_plugin_desc))
#endif

FX_MAYBE_UNUSED static const struct snow_transport_ops fx_ops = {
    .size = FX_OPS_SIZE,
    .conn_state_size = 16,
    .ctl = fx_ctl,
    .listen = fx_listen,
    .unlisten = fx_unlisten,
#ifndef FX_NULL_SLOT
    .connect = fx_connect,
#endif
    .send = fx_send,
    .close = fx_close,
};

FX_MAYBE_UNUSED static const struct snow_plugin_option fx_options[] = {
    {.key = "port", .type = SNOW_OPT_INT, .def = "4369", .help = "port", .min = 1, .max = 65535},
    {.key = "timeout", .type = SNOW_OPT_DURATION, .def = "5s", .help = "timeout"},
    {.key = "verbose", .type = SNOW_OPT_BOOL, .def = "false", .help = "chatty"},
    {.key = "label", .type = SNOW_OPT_STRING, .help = "free text"},
    {.key = "certfile", .type = SNOW_OPT_PATH, .help = "a file"},
#ifdef FX_ROLLBACK
    {.key = "fd", .type = SNOW_OPT_INT, .required = true, .help = "fd to watch"},
#endif
#ifdef FX_V1
    {.key = "need", .type = SNOW_OPT_STRING, .required = true, .help = "required"},
#endif
    {.key = NULL},
};

#ifdef FX_ROLLBACK
static void fx_noop(void *arg)
{
}

static void fx_node_event(void *arg, const char *node, bool up, int reason)
{
    abort(); /* must never run: the rollback removed this subscription */
}

static void fx_channel(void *arg, const char *node, const void *data, size_t len)
{
    abort();
}

static void fx_fd(void *arg, int fd, unsigned ready)
{
    abort();
}
#endif

FX_MAYBE_UNUSED static int fx_init(const struct snow_services *svc, snow_plugin_ctx *ctx,
                   const snow_plugin_args *args, void **state, char *errbuf, size_t errlen)
{
#ifdef FX_INIT_FAIL
    snprintf(errbuf, errlen, "cannot open /nonexistent/key.pem: No such file or directory");
    return SNOW_EIO;
#endif
#ifdef FX_ROLLBACK
    /* Register one of everything, then fail: the kernel must undo it all. */
    uint64_t id;
    int64_t fd = -1;
    snow_channel *ch;
    svc->opt_int(ctx, args, "fd", &fd);
    if (svc->timer_add(ctx, 1, fx_noop, NULL, &id) != 0 ||
        svc->fd_watch(ctx, (int)fd, SNOW_FD_READ, fx_fd, NULL, &id) != 0 ||
        svc->node_subscribe(ctx, fx_node_event, NULL, &id) != 0 ||
        svc->channel_open(ctx, "fx.rollback", fx_channel, NULL, &ch) != 0 ||
        svc->run_soon(ctx, fx_noop, NULL) != 0) {
        snprintf(errbuf, errlen, "could not register (test setup)");
        return SNOW_ESTATE;
    }
    snprintf(errbuf, errlen, "failing after registering 5 things");
    return SNOW_EPLUGIN;
#endif
    struct fx_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return SNOW_ENOMEM;
    st->svc = svc;
    st->ctx = ctx;
    svc->opt_int(ctx, args, "port", &st->port);
    svc->opt_int(ctx, args, "timeout", &st->timeout);
    svc->opt_bool(ctx, args, "verbose", &st->verbose);
    svc->opt_str(ctx, args, "label", &st->label);
    svc->opt_str(ctx, args, "certfile", &st->certfile);
    svc->opt_str(ctx, args, "need", &st->need);
    svc->log(ctx, SNOW_LOG_INFO, "SNOW-FX-INIT", "%s ready on port %lld", FX_NAME,
             (long long)st->port);
    *state = st;
    return 0;
}

FX_MAYBE_UNUSED static void fx_fini(void *state)
{
    struct fx_state *st = state;
    /* Logged so tests can see the reverse unload order. */
    st->svc->log(st->ctx, SNOW_LOG_INFO, "SNOW-FX-FINI", "%s", FX_NAME);
    free(st);
}

#if defined(FX_NO_SYMBOL)
/* Exports nothing called snow_plugin (the link keeps only that name). */
SNOW_PLUGIN_EXPORT const struct snow_plugin_desc snow_plugin_typo;
const struct snow_plugin_desc snow_plugin_typo = {SNOW_PLUGIN_HEAD, .kind = SNOW_PLUGIN_TRANSPORT};
#elif defined(FX_TINY)
/* Exports a 2-byte object under the right name. AddressSanitizer would pad
 * it (and the symbol size is what is tested): keep it uninstrumented. */
#if defined(__clang__)
#define FX_NO_ASAN __attribute__((no_sanitize("address")))
#else
#define FX_NO_ASAN __attribute__((section(".rodata.fx_tiny")))
#endif
SNOW_PLUGIN_EXPORT const unsigned short fx_tiny __asm__("snow_plugin");
FX_NO_ASAN const unsigned short fx_tiny = 7;
#elif defined(FX_BIG)
/* A descriptor from a "newer header": one field past what this kernel
 * knows, with the required minor lowered. The kernel ignores the tail. */
struct fx_big_desc {
    struct snow_plugin_desc d;
    const char *future_field;
};
SNOW_PLUGIN_EXPORT const struct fx_big_desc fx_big __asm__("snow_plugin");
const struct fx_big_desc fx_big = {
    .d = {.magic = SNOW_PLUGIN_MAGIC, .abi_major = SNOW_PLUGIN_ABI_MAJOR, .abi_minor = 0,
          .desc_size = sizeof(struct fx_big_desc),
          .kind = SNOW_PLUGIN_TRANSPORT, .name = FX_NAME, .version = "9.9",
          .summary = "from the future", .options = fx_options, .ops = &fx_ops,
          .init = fx_init, .fini = fx_fini},
    .future_field = "ignored",
};
#else
#if defined(FX_BAD_MAGIC)
#define FX_MAGIC 0x7f454c46u /* an ELF header's first word */
#else
#define FX_MAGIC SNOW_PLUGIN_MAGIC
#endif
#if defined(FX_ABI_MAJOR)
#define FX_MAJOR (SNOW_PLUGIN_ABI_MAJOR + 1)
#else
#define FX_MAJOR SNOW_PLUGIN_ABI_MAJOR
#endif
#if defined(FX_ABI_MINOR)
#define FX_MINOR (SNOW_PLUGIN_ABI_MINOR + 1)
#else
#define FX_MINOR SNOW_PLUGIN_ABI_MINOR
#endif
#if defined(FX_BAD_MAGIC) || defined(FX_ABI_MAJOR) || defined(FX_ABI_MINOR) || defined(FX_V1)
/* Hand-made heads: exactly what SNOW_PLUGIN_HEAD exists to prevent. */
#define FX_HEAD .magic = FX_MAGIC, .abi_major = FX_MAJOR, .abi_minor = FX_MINOR, \
                .desc_size = FX_DESC_SIZE
#else
#define FX_HEAD SNOW_PLUGIN_HEAD
#endif
SNOW_PLUGIN_EXPORT const struct snow_plugin_desc snow_plugin = {
    FX_HEAD,
    .kind = SNOW_PLUGIN_TRANSPORT,
    .name = FX_NAME,
    .version = "1.0",
    .summary = "loader test fixture",
    .options = fx_options,
    .ops = &fx_ops,
    .init = fx_init,
    .fini = fx_fini,
};
#endif
