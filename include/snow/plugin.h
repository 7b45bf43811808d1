/* SPDX-License-Identifier: MIT */
/* The Snow plugin ABI: descriptor, per-kind ops tables, kernel services. */
#ifndef SNOW_PLUGIN_H
#define SNOW_PLUGIN_H

/*
 * A Snow plugin is a shared object (.so) that exports exactly one data
 * symbol, `snow_plugin`, a `const struct snow_plugin_desc`. The kernel reads
 * and validates that descriptor before running any plugin code, calls its
 * `init` with a table of kernel services, and from then on drives the plugin
 * through the ops table of its kind (transport, auth, discovery, registry,
 * bridge). A plugin links against nothing in the kernel: every call back
 * into Snow goes through the `struct snow_services` table it is handed.
 *
 * ======================================================================
 * Evolution rules (binding on every change to this file)
 * ======================================================================
 *  - Append only. Never reorder, shrink, or change the signature or meaning
 *    of a member of any struct below. A changed slot becomes a new slot
 *    (`foo2`) and the old one stays.
 *  - Removing anything, or changing a frozen struct, is a MAJOR bump.
 *  - Adding a member at the end of the descriptor, an ops table, the
 *    services table or a size-prefixed parameter struct is a MINOR bump,
 *    with a line in the changelog below.
 *  - No reserved or padding slots: every extensible struct starts with (or
 *    carries) its own size, and readers test that size (SNOW_OPS_HAS,
 *    SNOW_SVC_HAS, SNOW_DESC_HAS, SNOW_SIZED_HAS).
 *  - `struct snow_plugin_option` is an array element and therefore FROZEN:
 *    extending it needs a new descriptor slot (`options2`).
 *  - The plugin ABI version is independent of the package version, of
 *    libsnow's libtool -version-info, of the wire protocol version and of
 *    the STF version byte.
 *
 * The kernel accepts a plugin when:
 *  - `magic` is SNOW_PLUGIN_MAGIC;
 *  - `abi_major` equals the kernel's SNOW_PLUGIN_ABI_MAJOR;
 *  - `abi_minor` (the lowest kernel minor the plugin needs) is <= the
 *    kernel's SNOW_PLUGIN_ABI_MINOR;
 *  - `desc_size` >= SNOW_PLUGIN_DESC_V1_SIZE;
 *  - `kind` is known, and the ops table's `size` >= that kind's v1 size;
 *  - every mandatory slot of the kind is non-NULL;
 *  - no plugin of the same name is loaded;
 *  - the list file's options validate against `options`;
 *  - `init` returns 0.
 * A descriptor or ops table LARGER than the kernel knows is accepted: it
 * comes from a plugin built against a newer header whose required minor was
 * lowered; the kernel ignores the tail. Each refusal is one message naming
 * the list file, line, plugin and path, and both versions where relevant.
 *
 * ======================================================================
 * Changelog (one line per minor bump)
 * ======================================================================
 *  1.0  first ABI: descriptor, option schema, transport/auth/discovery/
 *       registry/bridge ops, services (identity, log, time and timers,
 *       I/O loop, connection hand-off, discovery and request completion,
 *       node events, plugin channels, processes, terms and STF).
 *
 * ======================================================================
 * Threading (applies to everything below unless a slot says otherwise)
 * ======================================================================
 *  - One kernel I/O thread owns the libevent base. Every ops call
 *    (kernel -> plugin) and every plugin callback (timer, fd watch, node
 *    event, channel receive) runs on it. A plugin therefore needs no locks
 *    for its own state, and must never block in an ops call or callback.
 *  - `init` and `fini` run on the thread loading or unloading the plugin
 *    list, while the I/O loop is not dispatching events for this plugin.
 *  - Services are I/O-thread-only unless marked "any thread".
 *  - A plugin may call services from inside an ops call (re-entry) unless
 *    the slot says otherwise. The kernel never calls `close` (or another
 *    destroying op) on an object from inside a service call the plugin made
 *    about that object; it defers the close and tells the plugin through the
 *    service's return value.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snow/error.h>
#include <snow/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libevent's loop; plugins that use libevent directly include <event2/...>
 * themselves and link libevent themselves. */
struct event_base;

/* ======================================================================
 * Versions, magic, helpers
 * ====================================================================== */

#define SNOW_PLUGIN_ABI_MAJOR 1
#define SNOW_PLUGIN_ABI_MINOR 0

/* "Snow" in ASCII: rejects a non-Snow .so before anything else is read.
 * Filled by SNOW_PLUGIN_HEAD, never typed by hand. */
#define SNOW_PLUGIN_MAGIC 0x536E6F77u

/* The one exported symbol's name, for dlsym(). */
#define SNOW_PLUGIN_SYMBOL "snow_plugin"

/* Plugins compile with -fvisibility=hidden; the descriptor alone must be
 * visible. */
#if defined(__GNUC__) || defined(__clang__)
#define SNOW_PLUGIN_EXPORT __attribute__((visibility("default")))
#define SNOW_PLUGIN_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SNOW_PLUGIN_EXPORT
#define SNOW_PLUGIN_PRINTF(fmt, args)
#endif

/*
 * Size-versioning. `p` points to a struct whose size, as the writer compiled
 * it, is in `p->sizefield`; the test is true when `member` lies wholly
 * inside that size. Only the member's address is computed, never read.
 */
#define SNOW_SIZED_HAS_(p, member, sizefield)                                   \
    ((size_t)((const char *)&(p)->member - (const char *)(p)) + sizeof((p)->member) \
     <= (size_t)(p)->sizefield)
/* Generic form for structs whose first member is `size`. */
#define SNOW_SIZED_HAS(p, member) SNOW_SIZED_HAS_(p, member, size)
/* Kernel side: may ops->slot be read? (A NULL optional slot still means
 * "use the documented default".) */
#define SNOW_OPS_HAS(ops, slot) SNOW_SIZED_HAS_(ops, slot, size)
/* Plugin side: does this kernel's services table have `slot`? Every slot
 * inside the size is non-NULL (kernel guarantee), so never test for NULL. */
#define SNOW_SVC_HAS(svc, slot) SNOW_SIZED_HAS_(svc, slot, size)
/* Kernel side: does the plugin's descriptor have `field`? */
#define SNOW_DESC_HAS(desc, field) SNOW_SIZED_HAS_(desc, field, desc_size)

/* The size of a struct up to and including `member`: how the v1 minimum
 * sizes below are written. */
#define SNOW_SIZE_THROUGH(type, member) \
    (offsetof(type, member) + sizeof(((type *)0)->member))

/* ======================================================================
 * Opaque handles (no kernel layout is ever visible to a plugin)
 * ====================================================================== */

/* One per loaded plugin: the first argument of every service. The kernel
 * uses it to prefix logs with the plugin's name and to tear down whatever
 * the plugin registered (timers, fd watches, subscriptions, channels) when
 * it is unloaded or its init fails. */
typedef struct snow_plugin_ctx snow_plugin_ctx;
/* Validated options of one plugin; read with svc->opt_* during init. */
typedef struct snow_plugin_args snow_plugin_args;
/* A node connection (kernel header + the transport's per-connection state,
 * allocated as one block). */
typedef struct snow_conn snow_conn;
/* A listening endpoint created by transport `listen`. */
typedef struct snow_listener snow_listener;
/* A pending asynchronous request (discovery resolve, registry call),
 * completed exactly once through a services call. */
typedef struct snow_request snow_request;
/* A plugin channel (named, per node; see services "plugin channels"). */
typedef struct snow_channel snow_channel;
/* Same typedef as in <snow/term.h> (a repeated typedef is valid C11). */
typedef struct snow_term snow_term;

/* ======================================================================
 * Descriptor
 * ====================================================================== */

enum snow_plugin_kind {
    SNOW_PLUGIN_TRANSPORT = 1, /* struct snow_transport_ops */
    SNOW_PLUGIN_AUTH = 2,      /* struct snow_auth_ops */
    SNOW_PLUGIN_DISCOVERY = 3, /* struct snow_discovery_ops */
    SNOW_PLUGIN_REGISTRY = 4,  /* struct snow_registry_ops */
    SNOW_PLUGIN_BRIDGE = 5,    /* struct snow_bridge_ops */
};

/* Option types. List-file syntax of each value:
 *  BOOL      true|false|yes|no|on|off|1|0
 *  INT       decimal, optional sign (int64)
 *  DURATION  integer with unit ms|s|m|h (a bare integer is ms); read in ms
 *  STRING    bare word, or "double quoted" with \" and \\ escapes
 *  PATH      as STRING; a relative path is resolved against the list
 *            file's directory before the plugin sees it */
enum snow_option_type {
    SNOW_OPT_BOOL = 1,
    SNOW_OPT_INT = 2,
    SNOW_OPT_DURATION = 3,
    SNOW_OPT_STRING = 4,
    SNOW_OPT_PATH = 5,
};

/*
 * One entry of a plugin's option schema; the array ends with an entry whose
 * `key` is NULL. The KERNEL parses and validates list-file options against
 * it (unknown key, bad syntax, out of range, missing required option), so
 * bad text never reaches plugin code and errors carry file:line:col.
 * FROZEN (array element): never changes in ABI 1.
 */
struct snow_plugin_option {
    const char *key;            /* [a-z0-9_], at most 32 chars; NULL ends */
    enum snow_option_type type;
    bool required;              /* must appear in the list file */
    const char *def;            /* default, in list-file syntax; NULL = none */
    const char *help;           /* one line, for snowctl plugin-info */
    int64_t min, max;           /* INT/DURATION(ms) inclusive bounds; 0,0 = none */
};

struct snow_services;

/*
 * The descriptor: a const object named `snow_plugin`. Frozen head (magic,
 * abi_major, abi_minor, desc_size) filled by SNOW_PLUGIN_HEAD, then a body
 * that grows by appending. Set every field with designated initializers.
 */
struct snow_plugin_desc {
    /* ---- head (frozen forever) ---- */
    uint32_t magic;             /* SNOW_PLUGIN_MAGIC */
    uint16_t abi_major;         /* SNOW_PLUGIN_ABI_MAJOR the plugin was built for */
    uint16_t abi_minor;         /* lowest kernel minor this plugin needs */
    uint32_t desc_size;         /* sizeof(struct snow_plugin_desc) as built */
    /* ---- body, v1 ---- */
    enum snow_plugin_kind kind;
    const char *name;           /* list-file id: [a-z0-9_-], 1..32 chars */
    const char *version;        /* the plugin's own release string */
    const char *summary;        /* one line, for snowctl */
    const struct snow_plugin_option *options; /* schema; NULL = no options */
    const void *ops;            /* the kind's ops table; starts with `size` */
    /*
     * init: called once after every check passed. `svc` and `ctx` stay
     * valid until fini returns; keep them in the state. `args` holds the
     * validated options, readable with svc->opt_* until fini. Store the
     * plugin's state in *state (passed to every op and to fini).
     * Returns 0, or a SNOW_E* code with a one-line reason in errbuf
     * (errlen >= 128; always NUL-terminated by the kernel). On failure the
     * kernel undoes whatever the plugin registered through `ctx` and
     * unloads it; fini is NOT called. Mandatory.
     */
    int (*init)(const struct snow_services *svc, snow_plugin_ctx *ctx,
                const snow_plugin_args *args, void **state, char *errbuf, size_t errlen);
    /*
     * fini: releases the state. Cannot fail. Called in reverse load order,
     * after the kernel has stopped using the ops table (listeners closed,
     * connections closed, requests completed or abandoned). What the
     * plugin still has registered through ctx is torn down after fini
     * returns. Optional (NULL = nothing to release).
     */
    void (*fini)(void *state);
};

/* The size a v1 plugin's descriptor has; smaller is refused. */
#define SNOW_PLUGIN_DESC_V1_SIZE SNOW_SIZE_THROUGH(struct snow_plugin_desc, fini)

/* Fills the head for a plugin that needs this header's minor. Use:
 *   SNOW_PLUGIN_EXPORT const struct snow_plugin_desc snow_plugin = {
 *       SNOW_PLUGIN_HEAD, .kind = SNOW_PLUGIN_TRANSPORT, .name = "tcp", ... };
 */
#define SNOW_PLUGIN_HEAD SNOW_PLUGIN_HEAD_MINOR(SNOW_PLUGIN_ABI_MINOR)
/* Same, declaring support for kernels down to minor `m`: the plugin must
 * then guard services newer than `m` with SNOW_SVC_HAS. */
#define SNOW_PLUGIN_HEAD_MINOR(m)                                              \
    .magic = SNOW_PLUGIN_MAGIC, .abi_major = SNOW_PLUGIN_ABI_MAJOR,            \
    .abi_minor = (m), .desc_size = (uint32_t)sizeof(struct snow_plugin_desc)
/* First member of an ops table: `SNOW_OPS_HEAD(struct snow_tcp_ops), ...`. */
#define SNOW_OPS_HEAD(type) .size = sizeof(type)

/* The declaration of the one symbol a plugin defines (keeps
 * -Wmissing-variable-declarations quiet and the type checked). */
extern SNOW_PLUGIN_EXPORT const struct snow_plugin_desc snow_plugin;

/* ======================================================================
 * ctl: the escape hatch every kind has
 * ====================================================================== */

/* ctl(state, op, arg): feature queries and rare knobs. A plugin MUST return
 * SNOW_ENOTSUP for an op it does not know. Ops 1..255 are common to all
 * kinds; each kind numbers its own from 256. */
#define SNOW_CTL_STATUS 1 /* arg: struct snow_ctl_text *; write one status line */

struct snow_ctl_text {
    char *buf;
    size_t len; /* bytes available including the NUL */
};

/* ======================================================================
 * Transport: moves bytes. The kernel owns framing, handshake and auth.
 * ====================================================================== */

/* One piece of an outgoing gather list (not struct iovec, to keep
 * <sys/uio.h> out of this header; same two members). */
struct snow_iov {
    const void *base;
    size_t len;
};

/* transport ctl ops */
/* arg NULL; returns 0 if channel_binding works on this transport's
 * connections (i.e. it is TLS), SNOW_ENOTSUP otherwise. */
#define SNOW_TRANSPORT_CTL_HAS_BINDING 256

/*
 * Connection lifecycle, as the kernel sees it:
 *   outbound: kernel allocates conn (+ conn_state_size bytes of zeroed
 *             state, `cs`), calls connect(); the transport reports exactly
 *             one of svc->conn_up / svc->conn_closed.
 *   inbound:  transport accepts on a listener, calls svc->conn_new() to get
 *             (conn, cs), fills cs, then reports svc->conn_up or
 *             svc->conn_closed (e.g. a TLS handshake failed).
 *   up:       kernel calls send()/flush(); transport hands received bytes
 *             to svc->conn_recv() and reports svc->conn_drained() when a
 *             queue it reported as non-empty has been written.
 *   end:      the transport reports svc->conn_closed() (peer closed, error),
 *             or the kernel decides to close; either way the kernel calls
 *             close() exactly once, then frees the block. No service may be
 *             called for the conn after close() returns.
 */
struct snow_transport_ops {
    size_t size;                /* SNOW_OPS_HEAD */
    /* Bytes of per-connection state the kernel allocates with each conn
     * (zeroed, aligned for any type). 0 is allowed. */
    size_t conn_state_size;
    /* Escape hatch; see SNOW_CTL_* and SNOW_TRANSPORT_CTL_*. Optional. */
    int (*ctl)(void *state, int op, void *arg);
    /*
     * Check and canonicalise an address in this transport's syntax
     * ("host:port"; a filesystem path for a unix transport). Writes the
     * canonical text to canon (NUL-terminated). Must not block (no DNS).
     * Returns 0, SNOW_EINVAL (bad syntax), SNOW_ERANGE (canon too small).
     * Optional: default copies the text unchanged.
     */
    int (*addr_parse)(void *state, const char *text, char *canon, size_t len);
    /*
     * Start listening on addr. Stores the listener's state in *lstate and
     * the address actually bound (port 0 resolved) in `bound`. Accepted
     * connections are reported with svc->conn_new(ctx, l, ...). Returns 0,
     * SNOW_EINVAL, SNOW_EIO (bind failed; say why in a log line). Mandatory.
     */
    int (*listen)(void *state, snow_listener *l, const char *addr, void **lstate,
                  char *bound, size_t boundlen);
    /* Stop listening and free lstate. Pending accepts are dropped. Mandatory. */
    void (*unlisten)(void *state, snow_listener *l, void *lstate);
    /*
     * Start connecting conn to addr. Returns 0 when the attempt is under
     * way: its outcome then arrives as exactly one svc->conn_up or
     * svc->conn_closed (possibly before connect returns). Returns a
     * negative code if it failed at once; then neither is called and the
     * kernel frees the conn WITHOUT calling close (cs must hold nothing).
     * Mandatory.
     */
    int (*connect)(void *state, snow_conn *c, void *cs, const char *addr);
    /*
     * Queue the bytes of iov[0..iovcnt) for sending, in order. Accepts ALL
     * bytes: whatever the socket cannot take now is copied and queued.
     * The transport may hold bytes until flush() (a TLS transport packs
     * queued frames into records of up to 16 KiB there; coalescing is what
     * makes TLS fast). Returns the number of bytes still queued in the
     * transport after the call (0 = all handed to the OS; clamped to
     * INT_MAX), or a negative code (the connection is broken: the
     * transport also reports svc->conn_closed, deferred). When a positive
     * queue later drains to 0 the transport calls svc->conn_drained().
     * May be called from inside svc->conn_recv. Mandatory.
     */
    int (*send)(void *state, snow_conn *c, void *cs, const struct snow_iov *iov, int iovcnt);
    /*
     * End of a batch of sends: write what is held. The kernel calls it
     * once per loop iteration after sending on a connection. Optional
     * (NULL: the transport writes in send()).
     */
    void (*flush)(void *state, snow_conn *c, void *cs);
    /* Close now and release cs's resources (unsent bytes may be dropped;
     * the kernel waits for conn_drained first when it wants a clean end).
     * Exactly once per conn that connect() accepted or conn_new() created.
     * Mandatory. */
    void (*close)(void *state, snow_conn *c, void *cs);
    /*
     * RFC 9266 channel binding: export `len` bytes of keying material with
     * label "EXPORTER-Channel-Binding" and an empty context into out.
     * Returns 0, SNOW_ENOTSUP (not a TLS transport / not negotiated),
     * SNOW_ESTATE (handshake not finished). Optional (NULL = ENOTSUP).
     */
    int (*channel_binding)(void *state, snow_conn *c, void *cs, void *out, size_t len);
    /* Peer address as text, for logs. snprintf-style: returns the length
     * needed, or a negative code. Optional (NULL: "?"). */
    int (*peer_format)(void *state, snow_conn *c, void *cs, char *buf, size_t len);
};

#define SNOW_TRANSPORT_OPS_V1_SIZE SNOW_SIZE_THROUGH(struct snow_transport_ops, peer_format)
/* Mandatory transport slots: listen, unlisten, connect, send, close. */

/* ======================================================================
 * Auth: a handshake state machine the kernel drives over a connection
 * ====================================================================== */

enum snow_auth_role {
    SNOW_AUTH_INITIATOR = 1, /* we connected; we speak first */
    SNOW_AUTH_ACCEPTOR = 2,  /* they connected */
};

/* What the kernel knows when a handshake starts. Size-prefixed: the plugin
 * reads fields beyond v1 only if SNOW_SIZED_HAS(p, field). Borrowed for the
 * duration of `start`; copy what you keep. */
struct snow_auth_params {
    size_t size;
    enum snow_auth_role role;
    const char *self_name;      /* this node's full name */
    const char *peer_name;      /* the peer's name, or NULL if not yet known */
    const void *binding;        /* RFC 9266 tls-exporter bytes, or NULL */
    size_t binding_len;         /* 0 when the transport has no binding */
    /* The cookie is not passed here: call svc->cookie_get(ctx, peer, ...)
     * once the peer's name is known (cookies may be per peer). */
};

/* Return values of `step` besides negative codes. */
#define SNOW_AUTH_CONTINUE 0 /* send `out` (if any) and wait for the next peer message */
#define SNOW_AUTH_ACCEPT 1   /* peer proved itself; send `out` (if any) first */

/* Largest message a step may produce; the kernel's `out` buffer is at least
 * this big. Messages are framed by the kernel. */
#define SNOW_AUTH_MSG_MAX 4096

struct snow_auth_ops {
    size_t size;                /* SNOW_OPS_HEAD */
    int (*ctl)(void *state, int op, void *arg); /* optional */
    /*
     * Begin a handshake on conn c. Stores the per-handshake state in *hs.
     * Returns 0 or a negative code (the kernel closes the connection).
     * Mandatory.
     */
    int (*start)(void *state, snow_conn *c, const struct snow_auth_params *p, void **hs);
    /*
     * Consume one peer message (in, inlen; NULL,0 for the initiator's first
     * step) and produce at most one message into out (capacity outcap >=
     * SNOW_AUTH_MSG_MAX; set *outlen, 0 = nothing to send).
     * Returns SNOW_AUTH_CONTINUE, SNOW_AUTH_ACCEPT, or a negative code
     * (SNOW_EAUTH: the peer failed to prove itself; SNOW_EPROTO: malformed
     * message) with a one-line reason in `reason` (the kernel logs it with
     * the peer and closes the connection; `out` is still sent first if
     * *outlen > 0, so a plugin may tell the peer why). The kernel enforces
     * the handshake deadline. Mandatory.
     */
    int (*step)(void *state, void *hs, const void *in, size_t inlen, void *out,
                size_t outcap, size_t *outlen, char *reason, size_t reasonlen);
    /* Free hs. Called exactly once per successful start, whatever the
     * outcome (accept, reject, deadline, connection lost). Mandatory. */
    void (*end)(void *state, void *hs);
};

#define SNOW_AUTH_OPS_V1_SIZE SNOW_SIZE_THROUGH(struct snow_auth_ops, end)
/* Mandatory auth slots: start, step, end. */

/* ======================================================================
 * Discovery: node name -> addresses; this node's registration
 * ====================================================================== */

struct snow_discovery_ops {
    size_t size;                /* SNOW_OPS_HEAD */
    int (*ctl)(void *state, int op, void *arg); /* optional */
    /*
     * Resolve node name ("name@host" or as the deployment writes it) to
     * transport addresses. Asynchronous: completes exactly once through
     * svc->resolve_done(ctx, req, ...), possibly before resolve returns.
     * Returning a negative code instead means it failed at once and
     * resolve_done will not be called. Mandatory.
     */
    int (*resolve)(void *state, snow_request *req, const char *node);
    /* This node is up as `node`, listening on addrs[0..n). Optional. */
    int (*publish)(void *state, const char *node, const char *const *addrs, size_t n);
    /* This node is going down. Optional. */
    void (*withdraw)(void *state, const char *node);
    /* The kernel learned of a peer from elsewhere (a peer list); the plugin
     * may cache it. Optional. */
    void (*learn)(void *state, const char *node, const char *const *addrs, size_t n);
};

#define SNOW_DISCOVERY_OPS_V1_SIZE SNOW_SIZE_THROUGH(struct snow_discovery_ops, learn)
/* Mandatory discovery slots: resolve. */

/* ======================================================================
 * Registry: cluster-wide names. Talks to its peers over plugin channels.
 * ====================================================================== */

/*
 * Each call is asynchronous (agreement may need other nodes) and completes
 * exactly once through svc->request_done(ctx, req, code, pid), possibly
 * before the op returns; returning a negative code instead means it failed
 * at once and request_done will not be called.
 */
struct snow_registry_ops {
    size_t size;                /* SNOW_OPS_HEAD */
    int (*ctl)(void *state, int op, void *arg); /* optional */
    /* Register name -> pid cluster-wide. Completion codes: 0, SNOW_EEXIST. */
    int (*name_register)(void *state, snow_request *req, const char *name, snow_pid pid);
    /* Remove name. Completion codes: 0, SNOW_ENOENT. */
    int (*name_unregister)(void *state, snow_request *req, const char *name);
    /* Look name up. Completion: 0 with the pid, or SNOW_ENOENT. */
    int (*whereis)(void *state, snow_request *req, const char *name);
};

#define SNOW_REGISTRY_OPS_V1_SIZE SNOW_SIZE_THROUGH(struct snow_registry_ops, whereis)
/* Mandatory registry slots: name_register, name_unregister, whereis. */

/* ======================================================================
 * Bridge: anything that wants node events and a plugin channel (e.g.
 * WebSocket rooms). Everything it does goes through services; the table
 * is kept for ctl and future hooks.
 * ====================================================================== */

struct snow_bridge_ops {
    size_t size;                /* SNOW_OPS_HEAD */
    int (*ctl)(void *state, int op, void *arg); /* optional */
};

#define SNOW_BRIDGE_OPS_V1_SIZE SNOW_SIZE_THROUGH(struct snow_bridge_ops, ctl)
/* Mandatory bridge slots: none. */

/* ======================================================================
 * Kernel services
 * ====================================================================== */

enum snow_log_level {
    SNOW_LOG_ERROR = 3,
    SNOW_LOG_WARN = 4,
    SNOW_LOG_INFO = 6,
    SNOW_LOG_DEBUG = 7,
};

/* fd watch interest (a bit set). */
#define SNOW_FD_READ 1u
#define SNOW_FD_WRITE 2u

/* Callback types. All run on the I/O thread. `arg` is the plugin's own. */
typedef void (*snow_svc_fn)(void *arg);
typedef void (*snow_fd_fn)(void *arg, int fd, unsigned ready);
/* up: true for nodeup; for nodedown `reason` is a SNOW_E* code
 * (SNOW_ETIMEDOUT: ticks missed, SNOW_ECLOSED: connection lost, ...). */
typedef void (*snow_node_event_fn)(void *arg, const char *node, bool up, int reason);
/* Bytes from the same-named channel of plugin on `node`. `data` is
 * borrowed for the call. */
typedef void (*snow_channel_fn)(void *arg, const char *node, const void *data, size_t len);
/* Called for each connected node by svc->nodes_visit. */
typedef void (*snow_node_visit_fn)(void *arg, const char *node);
/* pid went down with reason (borrowed). */
typedef void (*snow_pid_down_fn)(void *arg, snow_pid pid, const snow_term *reason);
/* Body of a process spawned by a plugin (same shape as snow_proc_fn). */
typedef void (*snow_svc_proc_fn)(const snow_term *arg);

/*
 * The services table. The kernel owns one static const instance and passes
 * it to every plugin's init. Every slot within `size` is non-NULL: test
 * with SNOW_SVC_HAS(svc, slot), never for NULL. The first argument of every
 * service is the plugin's ctx. Slots are grouped; new ones are appended at
 * the end. Unless marked "any thread", call only on the I/O thread (i.e.
 * from init, fini, ops calls and callbacks).
 *
 * Handles returned as uint64_t ids (timers, watches, subscriptions,
 * monitors) are never reused while the kernel runs; cancelling an id that
 * already fired or was cancelled returns SNOW_ENOENT, harmlessly.
 */
struct snow_services {
    /* ---- head (frozen) ---- */
    size_t size;                /* sizeof as the kernel built it */
    uint16_t abi_major;         /* the kernel's SNOW_PLUGIN_ABI_MAJOR */
    uint16_t abi_minor;         /* the kernel's SNOW_PLUGIN_ABI_MINOR */

    /* ---- options (init) ---- */
    /* Read a validated option of this plugin. Returns 0, SNOW_ENOENT (not
     * in the schema, or optional without default and not given),
     * SNOW_ETYPE (asked with the wrong type). Strings live until fini.
     * opt_int serves INT and DURATION (ms); opt_str serves STRING and PATH. */
    int (*opt_bool)(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                    bool *out);
    int (*opt_int)(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                   int64_t *out);
    int (*opt_str)(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                   const char **out);

    /* ---- identity (any thread) ---- */
    /* This node's full name; "" before the node is started. Lives until the
     * node stops. */
    const char *(*node_name)(snow_plugin_ctx *ctx);
    /* This node's creation (changes at every start; 0 before start). */
    uint32_t (*node_creation)(snow_plugin_ctx *ctx);
    /* i-th listen address of this node, snprintf-style (returns length
     * needed), SNOW_ENOENT past the end. */
    int (*node_addr)(snow_plugin_ctx *ctx, size_t i, char *buf, size_t len);
    /* The cookie to use with `peer` (NULL: the node's default cookie).
     * Copies up to len bytes into buf; returns the cookie's length, or
     * SNOW_ENOENT if the node has no cookie. Secret: never log it. */
    int (*cookie_get)(snow_plugin_ctx *ctx, const char *peer, void *buf, size_t len);

    /* ---- log (any thread) ---- */
    /* One log line, prefixed by the plugin's name. `msgid` is a stable id
     * like "SNOW-TCP-ACCEPT" that tests and operators grep for. */
    void (*log)(snow_plugin_ctx *ctx, enum snow_log_level level, const char *msgid,
                const char *fmt, ...) SNOW_PLUGIN_PRINTF(4, 5);
    void (*vlog)(snow_plugin_ctx *ctx, enum snow_log_level level, const char *msgid,
                 const char *fmt, va_list ap) SNOW_PLUGIN_PRINTF(4, 0);
    /* Whether a line at `level` would be written (skip costly formatting). */
    bool (*log_enabled)(snow_plugin_ctx *ctx, enum snow_log_level level);

    /* ---- time and timers ---- */
    /* Monotonic clock, nanoseconds. Any thread. */
    int64_t (*now_ns)(snow_plugin_ctx *ctx);
    /* One-shot timer on the I/O loop: fn(arg) after delay_ms (>= 0).
     * Stores its id in *id (may be NULL). Returns 0, SNOW_EINVAL,
     * SNOW_ENOMEM, SNOW_ESTATE (no I/O loop yet). Cancelling it from inside
     * its own callback answers SNOW_ENOENT. */
    int (*timer_add)(snow_plugin_ctx *ctx, int64_t delay_ms, snow_svc_fn fn, void *arg,
                     uint64_t *id);
    /* 0 if cancelled before firing, SNOW_ENOENT otherwise. */
    int (*timer_cancel)(snow_plugin_ctx *ctx, uint64_t id);

    /* ---- I/O loop ---- */
    /* The kernel's libevent base. Use it only on the I/O thread; free
     * every event you create on it before fini returns. */
    struct event_base *(*event_base)(snow_plugin_ctx *ctx);
    /* Persistent watch on fd for `events` (SNOW_FD_*): fn(arg, fd, ready)
     * each time it is ready. The fd stays the plugin's to close (after
     * fd_unwatch). `events` may be 0 (set later with fd_modify). Returns
     * 0, SNOW_EINVAL, SNOW_ENOMEM, SNOW_ESTATE (no I/O loop yet). */
    int (*fd_watch)(snow_plugin_ctx *ctx, int fd, unsigned events, snow_fd_fn fn, void *arg,
                    uint64_t *id);
    /* Change the interest set of a watch (e.g. add SNOW_FD_WRITE while a
     * send queue is non-empty). 0 or SNOW_ENOENT. */
    int (*fd_modify)(snow_plugin_ctx *ctx, uint64_t id, unsigned events);
    /* Remove a watch; safe from inside its own callback. 0 or SNOW_ENOENT. */
    int (*fd_unwatch)(snow_plugin_ctx *ctx, uint64_t id);
    /* Run fn(arg) on the I/O thread soon (next loop iteration). Any thread:
     * how a plugin's helper thread hands results back. Calls from one
     * thread run in order. 0, SNOW_EINVAL, SNOW_ENOMEM, SNOW_ESTATE. */
    int (*run_soon)(snow_plugin_ctx *ctx, snow_svc_fn fn, void *arg);

    /* ---- connection hand-off (transport -> kernel) ---- */
    /* An inbound connection was accepted on listener l: allocate the
     * kernel's conn with zeroed transport state. Returns 0, or SNOW_ELIMIT
     * / SNOW_ENOMEM (refuse: close the socket yourself). */
    int (*conn_new)(snow_plugin_ctx *ctx, snow_listener *l, snow_conn **out, void **cs);
    /* The transport is ready to carry bytes (connected; TLS handshake
     * done). The kernel starts the Snow handshake (it may send from inside
     * this call). */
    void (*conn_up)(snow_plugin_ctx *ctx, snow_conn *c);
    /* Bytes received, in order. Returns 0, or a negative code meaning the
     * kernel is closing this connection: stop reading; close() follows
     * after you return. */
    int (*conn_recv)(snow_plugin_ctx *ctx, snow_conn *c, const void *data, size_t len);
    /* The send queue that send() reported non-empty is now empty. */
    void (*conn_drained)(snow_plugin_ctx *ctx, snow_conn *c);
    /* The connection failed or the peer closed it: `code` is a SNOW_E*
     * (SNOW_ECLOSED, SNOW_ECONNREFUSED, SNOW_ETIMEDOUT, SNOW_EIO,
     * SNOW_EPROTO, ...), `reason` one line of detail (the OS or TLS text).
     * The kernel calls close() after this returns (deferred). */
    void (*conn_closed)(snow_plugin_ctx *ctx, snow_conn *c, int code, const char *reason);

    /* ---- request completion (discovery, registry) ---- */
    /* Completes a resolve: 0 with addrs[0..n) (copied by the kernel), or a
     * negative code (SNOW_ENONODE: unknown node). Exactly once per req. */
    void (*resolve_done)(snow_plugin_ctx *ctx, snow_request *req, int code,
                         const char *const *addrs, size_t n);
    /* Completes a registry call with a code and, for whereis, a pid. */
    void (*request_done)(snow_plugin_ctx *ctx, snow_request *req, int code, snow_pid pid);
    /* Discovery found a peer on its own (multicast, a directory...): the
     * kernel may connect to it. */
    void (*peer_found)(snow_plugin_ctx *ctx, const char *node, const char *const *addrs,
                       size_t n);

    /* ---- node events ---- */
    /* fn(arg, node, up, reason) on every nodeup/nodedown after this call.
     * 0 or SNOW_ENOMEM; *id for node_unsubscribe. */
    int (*node_subscribe)(snow_plugin_ctx *ctx, snow_node_event_fn fn, void *arg,
                          uint64_t *id);
    int (*node_unsubscribe)(snow_plugin_ctx *ctx, uint64_t id);
    /* Calls fn(arg, node) for each connected node, synchronously. Returns
     * the number visited. */
    int (*nodes_visit)(snow_plugin_ctx *ctx, snow_node_visit_fn fn, void *arg);

    /* ---- plugin channels ---- */
    /* Open channel `name` ([a-z0-9_.-], 1..64 chars; unique on this node)
     * with receive callback fn. Returns 0, SNOW_EEXIST, SNOW_EINVAL. */
    int (*channel_open)(snow_plugin_ctx *ctx, const char *name, snow_channel_fn fn,
                        void *arg, snow_channel **out);
    /* Send bytes to the same-named channel on `node`, ordered with all
     * other traffic to that node. 0, SNOW_ENOCONN, SNOW_EMSGSIZE. A
     * message for a channel the peer has not opened is dropped there
     * (and logged). */
    int (*channel_send)(snow_plugin_ctx *ctx, snow_channel *ch, const char *node,
                        const void *data, size_t len);
    /* Same, STF-encoding a term. Adds SNOW_ENOTSERIALIZABLE. */
    int (*channel_send_term)(snow_plugin_ctx *ctx, snow_channel *ch, const char *node,
                             const snow_term *t);
    /* Close the channel; safe from inside its callback. */
    void (*channel_close)(snow_plugin_ctx *ctx, snow_channel *ch);

    /* ---- processes (any thread) ---- */
    /* As snow_send: `msg` is not stolen. */
    int (*send)(snow_plugin_ctx *ctx, snow_pid to, const snow_term *msg);
    /* As snow_send_named (node NULL = this node). */
    int (*send_named)(snow_plugin_ctx *ctx, const char *name, const char *node,
                      const snow_term *msg);
    /* Spawn a system process running fn(arg) (arg not stolen). */
    int (*spawn)(snow_plugin_ctx *ctx, snow_svc_proc_fn fn, const snow_term *arg,
                 snow_pid *out);
    /* Call fn(arg, pid, reason) on the I/O thread when pid exits
     * (immediately-queued with noproc if it is not alive). I/O thread. */
    int (*monitor)(snow_plugin_ctx *ctx, snow_pid pid, snow_pid_down_fn fn, void *arg,
                   uint64_t *id);
    int (*demonitor)(snow_plugin_ctx *ctx, uint64_t id);

    /* ---- terms (any thread; same contracts as <snow/term.h>) ---- */
    snow_term *(*term_ref)(snow_plugin_ctx *ctx, snow_term *t);
    void (*term_release)(snow_plugin_ctx *ctx, snow_term *t);
    int (*term_type)(snow_plugin_ctx *ctx, const snow_term *t); /* enum snow_type */
    snow_term *(*term_nil)(snow_plugin_ctx *ctx);
    snow_term *(*term_int)(snow_plugin_ctx *ctx, int64_t v);
    snow_term *(*term_atom)(snow_plugin_ctx *ctx, const char *name, size_t len);
    snow_term *(*term_string)(snow_plugin_ctx *ctx, const char *s, size_t len);
    snow_term *(*term_binary)(snow_plugin_ctx *ctx, const void *data, size_t len);
    snow_term *(*term_pid)(snow_plugin_ctx *ctx, snow_pid pid);
    /* Steal the element references, like snow_tuple_from / snow_list_from. */
    snow_term *(*term_tuple)(snow_plugin_ctx *ctx, size_t n, snow_term **items);
    snow_term *(*term_list)(snow_plugin_ctx *ctx, size_t n, snow_term **items);
    int (*term_get_int)(snow_plugin_ctx *ctx, const snow_term *t, int64_t *out);
    int (*term_get_atom)(snow_plugin_ctx *ctx, const snow_term *t, const char **name,
                         size_t *len);
    int (*term_get_string)(snow_plugin_ctx *ctx, const snow_term *t, const char **s,
                           size_t *len);
    int (*term_get_binary)(snow_plugin_ctx *ctx, const snow_term *t, const void **data,
                           size_t *len);
    int (*term_get_pid)(snow_plugin_ctx *ctx, const snow_term *t, snow_pid *out);
    int (*term_size)(snow_plugin_ctx *ctx, const snow_term *t, size_t *n);
    int (*term_elem)(snow_plugin_ctx *ctx, const snow_term *t, size_t i,
                     const snow_term **out);
    /* snprintf-style text form, as snow_term_format. */
    int (*term_format)(snow_plugin_ctx *ctx, const snow_term *t, char *buf, size_t len);
    /* STF-encode t into buf. Returns 0 and the size in *outlen; SNOW_ERANGE
     * with the size needed in *outlen when buf is too small (call with
     * len 0 to query); SNOW_ENOTSERIALIZABLE (a function inside). */
    int (*stf_encode)(snow_plugin_ctx *ctx, const snow_term *t, void *buf, size_t len,
                      size_t *outlen);
    /* Decode STF bytes; on failure SNOW_EBADTERM (or SNOW_EVERSION,
     * SNOW_ELIMIT) with a reason in err. */
    int (*stf_decode)(snow_plugin_ctx *ctx, const void *data, size_t len, snow_term **out,
                      char *err, size_t errlen);
};

#define SNOW_SERVICES_V1_SIZE SNOW_SIZE_THROUGH(struct snow_services, stf_decode)

#ifdef __cplusplus
}
#endif
#endif /* SNOW_PLUGIN_H */
