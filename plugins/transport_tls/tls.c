/* SPDX-License-Identifier: MIT */
/* transport_tls: GnuTLS 1.3 carrier over the shared socket core; records of up to 16 KiB, RFC 9266 binding. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "tls.h"

/* Records read per readiness event before yielding to other connections. */
#define TLS_READ_BURST 64

/* Per-connection carrier state (nc->cx). */
struct tls_conn {
    gnutls_session_t s;
    size_t pending; /* plaintext bytes of a record_send that hit EAGAIN */
};

static ssize_t tls_push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
    struct netio_conn *nc = ptr;
    struct msghdr mh = {.msg_iov = (struct iovec *)(void *)iov, .msg_iovlen = (size_t)iovcnt};
    /* MSG_NOSIGNAL: a peer that went away must not SIGPIPE the node. */
    ssize_t n = sendmsg(nc->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0)
        gnutls_transport_set_errno(((struct tls_conn *)nc->cx)->s, errno);
    return n;
}

static ssize_t tls_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
    struct netio_conn *nc = ptr;
    ssize_t n = recv(nc->fd, buf, len, MSG_DONTWAIT);
    if (n < 0)
        gnutls_transport_set_errno(((struct tls_conn *)nc->cx)->s, errno);
    return n;
}

/* Only consulted for blocking-style waits; the loop does the waiting. */
static int tls_pull_timeout(gnutls_transport_ptr_t ptr, unsigned ms)
{
    struct netio_conn *nc = ptr;
    struct pollfd p = {.fd = nc->fd, .events = POLLIN};
    return poll(&p, 1, 0);
}

/* Map a fatal GnuTLS error onto a SNOW_E* category, keeping the TLS text. */
static int tls_fail(struct netio_conn *nc, int rc, const char *during)
{
    gnutls_session_t s = ((struct tls_conn *)nc->cx)->s;
    if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
        gnutls_datum_t txt = {NULL, 0};
        unsigned status = gnutls_session_get_verify_cert_status(s);
        gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt, 0);
        netio_set_reason(nc, "TLS %s: peer certificate refused: %s", during,
                         txt.data ? (char *)txt.data : "not trusted");
        gnutls_free(txt.data);
        return SNOW_EAUTH;
    }
    if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
        gnutls_alert_description_t a = gnutls_alert_get(s);
        const char *name = gnutls_alert_get_name(a);
        netio_set_reason(nc, "TLS %s: peer sent alert: %s", during, name ? name : "?");
        bool auth = a == GNUTLS_A_BAD_CERTIFICATE || a == GNUTLS_A_UNKNOWN_CA ||
                    a == GNUTLS_A_CERTIFICATE_REQUIRED || a == GNUTLS_A_ACCESS_DENIED ||
                    a == GNUTLS_A_UNSUPPORTED_CERTIFICATE || a == GNUTLS_A_CERTIFICATE_UNKNOWN;
        return auth ? SNOW_EAUTH : SNOW_EPROTO;
    }
    if (rc == GNUTLS_E_NO_CERTIFICATE_FOUND || rc == GNUTLS_E_CERTIFICATE_REQUIRED) {
        netio_set_reason(nc, "TLS %s: peer presented no certificate (or none from our CA)", during);
        return SNOW_EAUTH;
    }
    if (rc == GNUTLS_E_PUSH_ERROR || rc == GNUTLS_E_PULL_ERROR) {
        int e = errno;
        netio_set_reason(nc, "TLS %s: %s", during, strerror(e));
        return netio_errno_code(e);
    }
    if (rc == GNUTLS_E_PREMATURE_TERMINATION) {
        netio_set_reason(nc, "TLS %s: peer closed the connection", during);
        return SNOW_ECLOSED;
    }
    netio_set_reason(nc, "TLS %s: %s", during, gnutls_strerror(rc));
    return SNOW_EPROTO;
}

static int tls_open(void *pstate, struct netio_conn *nc)
{
    struct tls_state *ts = pstate;
    struct tls_conn *tc = calloc(1, sizeof *tc);
    if (tc == NULL)
        return SNOW_ENOMEM;
    /* Handshake latency (R4): no session tickets (nodes never resume); a
     * client sends one key share (X25519 first in the default priority,
     * not also a P-256 one); a server is done once its Finished is out
     * (TLS 1.3 early start), so the node's hello rides with its flight
     * and the client's Finished is checked on the first read. */
    unsigned flags = (nc->inbound ? GNUTLS_SERVER | GNUTLS_ENABLE_EARLY_START
                                  : GNUTLS_CLIENT | GNUTLS_KEY_SHARE_TOP) |
                     GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL | GNUTLS_NO_TICKETS;
    int rc = gnutls_init(&tc->s, flags);
    if (rc < 0) {
        free(tc);
        netio_set_reason(nc, "TLS session: %s", gnutls_strerror(rc));
        return SNOW_ENOMEM;
    }
    nc->cx = tc;
    if ((rc = gnutls_priority_set(tc->s, ts->prio)) < 0 ||
        (rc = gnutls_credentials_set(tc->s, GNUTLS_CRD_CERTIFICATE, ts->cred)) < 0) {
        netio_set_reason(nc, "TLS session set-up: %s", gnutls_strerror(rc));
        return SNOW_EPLUGIN;
    }
    if (nc->inbound)
        gnutls_certificate_server_set_request(tc->s,
                                              ts->verify ? GNUTLS_CERT_REQUIRE : GNUTLS_CERT_IGNORE);
    if (ts->verify) /* chain against ca=; no host name: peers are nodes, not hosts */
        gnutls_session_set_verify_cert(tc->s, NULL, 0);
    gnutls_transport_set_ptr(tc->s, nc);
    gnutls_transport_set_vec_push_function(tc->s, tls_push);
    gnutls_transport_set_pull_function(tc->s, tls_pull);
    gnutls_transport_set_pull_timeout_function(tc->s, tls_pull_timeout);
    return netio_arm_deadline(nc, ts->hs_timeout_ms);
}

static int tls_handshake(void *pstate, struct netio_conn *nc)
{
    gnutls_session_t s = ((struct tls_conn *)nc->cx)->s;
    for (;;) {
        int rc = gnutls_handshake(s);
        if (rc == 0) {
            struct netio_plugin *np = pstate;
            if (np->svc->log_enabled(np->ctx, SNOW_LOG_DEBUG)) {
                char *desc = gnutls_session_get_desc(s);
                np->svc->log(np->ctx, SNOW_LOG_DEBUG, "SNOW-TLS-UP", "%s session %s",
                             nc->inbound ? "server" : "client", desc ? desc : "?");
                gnutls_free(desc);
            }
            return 0;
        }
        if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
            nc->want_write = gnutls_record_get_direction(s) == 1;
            return NETIO_AGAIN;
        }
        if (gnutls_error_is_fatal(rc)) {
            /* Tell the peer why (best effort, never blocks): a client
             * refused for its certificate then reports that, not a reset. */
            gnutls_alert_send_appropriate(s, rc);
            return tls_fail(nc, rc, "handshake");
        }
        /* a warning alert: carry on */
    }
}

static int tls_read_in(void *pstate, struct netio_conn *nc)
{
    struct netio_plugin *np = pstate;
    gnutls_session_t s = ((struct tls_conn *)nc->cx)->s;
    size_t used = 0;
    int ret = 0;
    int i;
    /* Gather several records before one conn_recv: fewer kernel calls. */
    for (i = 0; i < TLS_READ_BURST; i++) {
        ssize_t n = gnutls_record_recv(s, np->rbuf + used, NETIO_READ_CHUNK - used);
        if (n > 0) {
            used += (size_t)n;
            if (NETIO_READ_CHUNK - used < 16384 + 256) {
                if (netio_deliver(nc, np->rbuf, used) < 0)
                    return 0;
                used = 0;
            }
            continue;
        }
        if (n == 0) {
            netio_set_reason(nc, "peer closed the TLS session");
            ret = SNOW_ECLOSED;
            break;
        }
        if (n == GNUTLS_E_AGAIN)
            break;
        if (n == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal((int)n))
            continue;
        ret = tls_fail(nc, (int)n, "receive");
        break;
    }
    if (used > 0 && netio_deliver(nc, np->rbuf, used) < 0)
        return 0;
    /* Decrypted bytes the socket will not signal again. */
    if (ret == 0 && i == TLS_READ_BURST && gnutls_record_check_pending(s) > 0)
        event_active(nc->ev_rd, EV_READ, 0);
    return ret;
}

static int tls_write_out(void *pstate, struct netio_conn *nc, struct evbuffer *q)
{
    struct tls_conn *tc = nc->cx;
    size_t max = gnutls_record_get_max_size(tc->s);
    for (;;) {
        ssize_t r;
        if (tc->pending > 0) {
            /* Finish the record GnuTLS already holds (retry with NULL, 0). */
            r = gnutls_record_send(tc->s, NULL, 0);
        } else {
            size_t len = evbuffer_get_length(q);
            if (len == 0)
                return 0;
            /* Pack queued frames into records as full as allowed:
             * coalescing is what makes TLS fast for small messages. */
            if (len > max)
                len = max;
            const unsigned char *p = evbuffer_pullup(q, (ssize_t)len);
            if (p == NULL)
                return SNOW_ENOMEM;
            tc->pending = len;
            r = gnutls_record_send(tc->s, p, len);
        }
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
            nc->want_write = true;
            return NETIO_AGAIN;
        }
        if (r < 0)
            return tls_fail(nc, (int)r, "send");
        /* r is what the record carried (the original size on a retry). */
        evbuffer_drain(q, (size_t)r);
        tc->pending = 0;
    }
}

static void tls_release(void *pstate, struct netio_conn *nc)
{
    struct tls_conn *tc = nc->cx;
    if (nc->state == NETIO_UP && nc->fd >= 0)
        gnutls_bye(tc->s, GNUTLS_SHUT_WR); /* one non-blocking try at close_notify */
    gnutls_deinit(tc->s);
    free(tc);
}

static const struct netio_carrier tls_carrier = {
    .open = tls_open,
    .handshake = tls_handshake,
    .read_in = tls_read_in,
    .write_out = tls_write_out,
    .release = tls_release,
};

/* RFC 9266 tls-exporter: label "EXPORTER-Channel-Binding", empty context. */
static int tls_channel_binding(void *state, snow_conn *c, void *cs, void *out, size_t len)
{
    struct netio_conn *nc = cs;
    if (nc->state != NETIO_UP || nc->cx == NULL)
        return SNOW_ESTATE;
    gnutls_session_t s = ((struct tls_conn *)nc->cx)->s;
    gnutls_datum_t cb = {NULL, 0};
    int rc = gnutls_session_channel_binding(s, GNUTLS_CB_TLS_EXPORTER, &cb);
    if (rc < 0 && (gnutls_session_get_flags(s) & GNUTLS_SFLAGS_EARLY_START))
        return SNOW_ESTATE; /* a server before the client's Finished (early start) */
    if (rc < 0)
        return SNOW_ENOTSUP; /* e.g. TLS 1.2 without extended master secret */
    if (cb.size == len) {
        memcpy(out, cb.data, len);
    } else {
        /* Same exporter, another length (RFC 9266 fixes 32 bytes). */
        static const char label[] = "EXPORTER-Channel-Binding";
        rc = gnutls_prf_rfc5705(s, sizeof label - 1, label, 0, "", len, out);
    }
    gnutls_free(cb.data);
    return rc < 0 ? SNOW_ENOTSUP : 0;
}

static int tls_ctl(void *state, int op, void *arg)
{
    struct tls_state *ts = state;
    if (op == SNOW_TRANSPORT_CTL_HAS_BINDING)
        return 0;
    if (op == SNOW_CTL_STATUS && arg != NULL) {
        struct snow_ctl_text *t = arg;
        snprintf(t->buf, t->len, "tls transport (GnuTLS %s), %s certificate", gnutls_check_version(NULL),
                 ts->verify ? "verified mutual" : "ephemeral self-signed");
        return 0;
    }
    return SNOW_ENOTSUP;
}

static void tls_free(struct tls_state *ts)
{
    if (ts->prio)
        gnutls_priority_deinit(ts->prio);
    if (ts->cred)
        gnutls_certificate_free_credentials(ts->cred);
    netio_plugin_fini(&ts->np);
    free(ts);
}

static int tls_opt(const struct snow_services *svc, snow_plugin_ctx *ctx,
                   const snow_plugin_args *args, const char *key, const char **out)
{
    *out = NULL;
    return svc->opt_str(ctx, args, key, out) == 0 ? 0 : SNOW_ENOENT;
}

static int tls_init(const struct snow_services *svc, snow_plugin_ctx *ctx,
                    const snow_plugin_args *args, void **state, char *errbuf, size_t errlen)
{
    struct tls_state *ts = calloc(1, sizeof *ts);
    if (ts == NULL)
        return SNOW_ENOMEM;
    int rc = netio_plugin_init(&ts->np, svc, ctx, args, &tls_carrier, "tls", errbuf, errlen);
    const char *cert, *key, *ca, *prio;
    int64_t hs_ms = 10000;
    if (rc == 0) {
        tls_opt(svc, ctx, args, "cert", &cert);
        tls_opt(svc, ctx, args, "key", &key);
        tls_opt(svc, ctx, args, "ca", &ca);
        if (tls_opt(svc, ctx, args, "priority", &prio) != 0)
            prio = TLS_DEFAULT_PRIORITY;
        if (svc->opt_int(ctx, args, "handshake_timeout", &hs_ms) != 0 || hs_ms <= 0)
            hs_ms = 10000;
        ts->hs_timeout_ms = (long)hs_ms;
        rc = tls_cred_setup(ts, cert, key, ca, errbuf, errlen);
    }
    if (rc == 0) {
        const char *bad = NULL;
        int g = gnutls_priority_init2(&ts->prio, prio, &bad, 0);
        if (g < 0) {
            snprintf(errbuf, errlen, "priority \"%s\": %s near \"%s\"", prio, gnutls_strerror(g),
                     bad ? bad : "");
            rc = SNOW_ECONFIG;
        }
    }
    if (rc != 0) {
        tls_free(ts);
        return rc;
    }
    *state = ts;
    return 0;
}

static void tls_fini(void *state)
{
    tls_free(state);
}

static const struct snow_transport_ops tls_ops = {
    SNOW_OPS_HEAD(struct snow_transport_ops),
    .conn_state_size = sizeof(struct netio_conn),
    .ctl = tls_ctl,
    .addr_parse = netio_addr_parse,
    .listen = netio_listen,
    .unlisten = netio_unlisten,
    .connect = netio_connect,
    .send = netio_send,
    .flush = netio_flush,
    .close = netio_close,
    .channel_binding = tls_channel_binding,
    .peer_format = netio_peer_format,
};

static const struct snow_plugin_option tls_options[] = {
    {.key = "cert", .type = SNOW_OPT_PATH,
     .help = "PEM certificate (chain) of this node; with key and ca: verified mutual TLS"},
    {.key = "key", .type = SNOW_OPT_PATH, .help = "PEM private key matching cert"},
    {.key = "ca", .type = SNOW_OPT_PATH,
     .help = "PEM CA certificate(s) a peer's certificate must chain to"},
    {.key = "priority", .type = SNOW_OPT_STRING, .def = TLS_DEFAULT_PRIORITY,
     .help = "GnuTLS priority string"},
    {.key = "handshake_timeout", .type = SNOW_OPT_DURATION, .def = "10s", .min = 1,
     .max = 3600000, .help = "TLS handshake deadline"},
    {.key = "backlog", .type = SNOW_OPT_INT, .def = "128", .min = 1, .max = 65535,
     .help = "listen(2) backlog of each listening socket"},
    {.key = NULL},
};

SNOW_PLUGIN_EXPORT const struct snow_plugin_desc snow_plugin = {
    SNOW_PLUGIN_HEAD,
    .kind = SNOW_PLUGIN_TRANSPORT,
    .name = "transport_tls",
    .version = "1.0",
    .summary = "TLS 1.3 transport (GnuTLS): ephemeral or verified mutual certificates",
    .options = tls_options,
    .ops = &tls_ops,
    .init = tls_init,
    .fini = tls_fini,
};
