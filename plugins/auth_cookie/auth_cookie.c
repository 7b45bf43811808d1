/* SPDX-License-Identifier: MIT */
/* auth_cookie: mutual HMAC-SHA256 challenge/response over the shared cookie, bound to names and the TLS channel. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <snow/plugin.h>

/*
 * Wire messages (the kernel frames them): version byte, type byte, body.
 *   1 CHALLENGE_I  initiator -> acceptor  nonce_I (32 random bytes)
 *   2 CHALLENGE_A  acceptor -> initiator  nonce_A
 *   3 PROOF_I      initiator -> acceptor  HMAC(cookie, L_I || nonce_A || ctx)
 *   4 PROOF_A      acceptor -> initiator  HMAC(cookie, L_A || nonce_I || ctx)
 *   5 REJECT       either way             reason text (at most 200 bytes)
 *   6 BOUND_PROOF_I initiator -> acceptor nonce_I || HMAC(cookie, L_I || nonce_I || ctx)
 * ctx = len16 initiator name || len16 acceptor name || len16 channel binding.
 *
 * With a channel binding (TLS), the initiator opens with BOUND_PROOF_I and
 * the acceptor answers PROOF_A: one round trip instead of two. The binding
 * is a secret unique to this TLS session, to which the acceptor contributed
 * fresh randomness, so it does the acceptor's nonce's job (a proof from
 * another session never verifies). Without a binding (plain TCP) the four
 * messages above run as listed.
 *
 * The initiator proves first, so a listening node never hands a stranger a
 * proof to attack offline. Each side proves over the other's fresh nonce
 * (no replay), under a label naming its role, with names ordered by role
 * (a proof reflected back at its sender never verifies), and with the
 * transport's RFC 9266 binding (a relay sits on two TLS channels with
 * different bindings, so proofs do not carry across it).
 */

#define AUTH_VERSION 1
#define AUTH_NONCE 32
#define AUTH_MAC 32
#define AUTH_COOKIE_MAX 255
#define AUTH_NAME_MAX 255
#define AUTH_BINDING_MAX 64
#define AUTH_REASON_MAX 200
#define AUTH_CTX_MAX (6 + 2 * AUTH_NAME_MAX + AUTH_BINDING_MAX)

enum auth_msg {
    AUTH_CHALLENGE_I = 1,
    AUTH_CHALLENGE_A = 2,
    AUTH_PROOF_I = 3,
    AUTH_PROOF_A = 4,
    AUTH_REJECT = 5,
    AUTH_BOUND_PROOF_I = 6,
};

static const char auth_label_i[] = "snow auth_cookie v1 initiator proof";
static const char auth_label_a[] = "snow auth_cookie v1 acceptor proof";

struct auth_state {
    const struct snow_services *svc;
    snow_plugin_ctx *ctx;
    bool require_binding;
};

/* What the handshake waits for next. */
enum auth_phase {
    AUTH_START,         /* initiator: nothing sent yet */
    AUTH_WAIT_CHAL_I,   /* acceptor */
    AUTH_WAIT_CHAL_A,   /* initiator */
    AUTH_WAIT_PROOF_I,  /* acceptor */
    AUTH_WAIT_PROOF_A,  /* initiator */
    AUTH_DONE,
};

struct auth_hs {
    enum snow_auth_role role;
    enum auth_phase phase;
    unsigned char cookie[AUTH_COOKIE_MAX];
    size_t cookie_len;
    unsigned char my_nonce[AUTH_NONCE];
    unsigned char peer_nonce[AUTH_NONCE];
    unsigned char ctxbuf[AUTH_CTX_MAX];
    size_t ctx_len;
    bool bound;                        /* ctx holds a channel binding */
    char peer[AUTH_NAME_MAX + 1];
};

static size_t auth_put(unsigned char *p, const void *data, size_t len)
{
    p[0] = (unsigned char)(len >> 8);
    p[1] = (unsigned char)len;
    if (len > 0)
        memcpy(p + 2, data, len);
    return 2 + len;
}

static int auth_start(void *state, snow_conn *c, const struct snow_auth_params *p, void **hsp)
{
    struct auth_state *as = state;
    if (p == NULL || p->self_name == NULL || p->peer_name == NULL ||
        (p->role != SNOW_AUTH_INITIATOR && p->role != SNOW_AUTH_ACCEPTOR))
        return SNOW_EINVAL; /* the kernel exchanges names before auth */
    size_t ls = strlen(p->self_name), lp = strlen(p->peer_name);
    size_t lb = p->binding ? p->binding_len : 0;
    if (ls > AUTH_NAME_MAX || lp > AUTH_NAME_MAX || lb > AUTH_BINDING_MAX)
        return SNOW_EINVAL;
    if (lb == 0 && as->require_binding) {
        as->svc->log(as->ctx, SNOW_LOG_WARN, "SNOW-AUTH-NOBINDING",
                     "refusing %s: the transport has no channel binding (require_binding)",
                     p->peer_name);
        return SNOW_EAUTH;
    }
    struct auth_hs *hs = calloc(1, sizeof *hs);
    if (hs == NULL)
        return SNOW_ENOMEM;
    hs->role = p->role;
    hs->phase = p->role == SNOW_AUTH_INITIATOR ? AUTH_START : AUTH_WAIT_CHAL_I;
    memcpy(hs->peer, p->peer_name, lp + 1);
    /* Names ordered by role, not by who computes: both sides agree. */
    const char *ini = p->role == SNOW_AUTH_INITIATOR ? p->self_name : p->peer_name;
    const char *acc = p->role == SNOW_AUTH_INITIATOR ? p->peer_name : p->self_name;
    hs->ctx_len = auth_put(hs->ctxbuf, ini, strlen(ini));
    hs->ctx_len += auth_put(hs->ctxbuf + hs->ctx_len, acc, strlen(acc));
    hs->ctx_len += auth_put(hs->ctxbuf + hs->ctx_len, p->binding, lb);
    hs->bound = lb > 0;
    if (gnutls_rnd(GNUTLS_RND_NONCE, hs->my_nonce, AUTH_NONCE) < 0) {
        free(hs);
        return SNOW_EPLUGIN;
    }
    *hsp = hs;
    return 0;
}

static void auth_end(void *state, void *hsp)
{
    struct auth_hs *hs = hsp;
    gnutls_memset(hs, 0, sizeof *hs); /* the cookie must not linger */
    free(hs);
}

/* Fetch the cookie for this peer once, when the first proof needs it. */
static int auth_cookie(struct auth_state *as, struct auth_hs *hs, char *reason, size_t rlen)
{
    if (hs->cookie_len > 0)
        return 0;
    int n = as->svc->cookie_get(as->ctx, hs->peer, hs->cookie, sizeof hs->cookie);
    if (n <= 0 || (size_t)n > sizeof hs->cookie) {
        snprintf(reason, rlen, n <= 0 ? "this node has no cookie for %s"
                                      : "the cookie for %s is longer than 255 bytes",
                 hs->peer);
        return SNOW_EAUTH;
    }
    hs->cookie_len = (size_t)n;
    return 0;
}

/* HMAC-SHA256(cookie, label || nonce || ctx) -> out[AUTH_MAC]. */
static int auth_proof(struct auth_hs *hs, const char *label, const unsigned char *nonce,
                      unsigned char *out)
{
    gnutls_hmac_hd_t h;
    if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, hs->cookie, hs->cookie_len) < 0)
        return SNOW_EPLUGIN;
    int rc = gnutls_hmac(h, label, strlen(label)) | gnutls_hmac(h, nonce, AUTH_NONCE) |
             gnutls_hmac(h, hs->ctxbuf, hs->ctx_len);
    gnutls_hmac_deinit(h, out);
    return rc == 0 ? 0 : SNOW_EPLUGIN;
}

static size_t auth_msg(unsigned char *out, enum auth_msg type, const void *body, size_t len)
{
    out[0] = AUTH_VERSION;
    out[1] = (unsigned char)type;
    memcpy(out + 2, body, len);
    return 2 + len;
}

/* Check a peer message's header and exact size; a REJECT is reported as
 * the peer's refusal with its (sanitised) text. */
static int auth_expect(const unsigned char *in, size_t inlen, enum auth_msg want,
                       size_t bodylen, char *reason, size_t rlen)
{
    if (in == NULL || inlen < 2) {
        snprintf(reason, rlen, "truncated auth message (%zu bytes)", inlen);
        return SNOW_EPROTO;
    }
    if (in[0] != AUTH_VERSION) {
        snprintf(reason, rlen, "auth message of version %u, expected %u", in[0], AUTH_VERSION);
        return SNOW_EPROTO;
    }
    if (in[1] == AUTH_REJECT) {
        char text[AUTH_REASON_MAX + 1];
        size_t n = inlen - 2 > AUTH_REASON_MAX ? AUTH_REASON_MAX : inlen - 2;
        for (size_t i = 0; i < n; i++)
            text[i] = (in[2 + i] >= 0x20 && in[2 + i] < 0x7f) ? (char)in[2 + i] : '?';
        text[n] = '\0';
        snprintf(reason, rlen, "peer rejected us: %s", text);
        return SNOW_EAUTH;
    }
    if (in[1] != want || inlen != 2 + bodylen) {
        snprintf(reason, rlen, "unexpected auth message (type %u, %zu bytes; expected type %d, %zu bytes)",
                 in[1], inlen, (int)want, 2 + bodylen);
        return SNOW_EPROTO;
    }
    return 0;
}

/* Verify the peer's proof over `nonce`, in constant time. */
static int auth_verify(struct auth_hs *hs, const char *label, const unsigned char *nonce,
                       const unsigned char *mac, char *reason, size_t rlen)
{
    unsigned char want[AUTH_MAC];
    int rc = auth_proof(hs, label, nonce, want);
    if (rc != 0) {
        snprintf(reason, rlen, "HMAC-SHA256 unavailable");
        return rc;
    }
    bool ok = gnutls_memcmp(want, mac, AUTH_MAC) == 0;
    gnutls_memset(want, 0, sizeof want);
    if (!ok) {
        snprintf(reason, rlen, "wrong cookie proof from %s (different cookie, or a relay: "
                               "the channel bindings differ)", hs->peer);
        return SNOW_EAUTH;
    }
    return 0;
}

/* Acceptor: checks the initiator's proof (over `nonce`) and answers with
 * PROOF_A over the initiator's nonce, or REJECT so both ends log the cause. */
static int auth_accept_proof(struct auth_state *as, struct auth_hs *hs, const unsigned char *nonce,
                             const unsigned char *peer_mac, unsigned char *out, size_t *outlen,
                             char *reason, size_t rlen)
{
    unsigned char mac[AUTH_MAC];
    int rc;
    hs->phase = AUTH_DONE;
    if ((rc = auth_cookie(as, hs, reason, rlen)) != 0 ||
        (rc = auth_verify(hs, auth_label_i, nonce, peer_mac, reason, rlen)) != 0) {
        static const char why[] = "cookie proof not accepted";
        *outlen = auth_msg(out, AUTH_REJECT, why, sizeof why - 1);
        return rc;
    }
    if ((rc = auth_proof(hs, auth_label_a, hs->peer_nonce, mac)) != 0)
        return rc;
    *outlen = auth_msg(out, AUTH_PROOF_A, mac, AUTH_MAC);
    return SNOW_AUTH_ACCEPT;
}

/* Acceptor, bound flow: BOUND_PROOF_I carries the initiator's nonce and its
 * proof over that nonce and the binding. */
static int auth_on_bound_proof(struct auth_state *as, struct auth_hs *hs, const unsigned char *in,
                               size_t inlen, unsigned char *out, size_t *outlen, char *reason,
                               size_t rlen)
{
    int rc = auth_expect(in, inlen, AUTH_BOUND_PROOF_I, AUTH_NONCE + AUTH_MAC, reason, rlen);
    if (rc != 0)
        return rc;
    if (!hs->bound) { /* the initiator is on a TLS channel and we are not: a relay */
        static const char why[] = "proof bound to a TLS channel this side does not have";
        snprintf(reason, rlen, "%s (%s, or a relay)", why, hs->peer);
        *outlen = auth_msg(out, AUTH_REJECT, why, sizeof why - 1);
        hs->phase = AUTH_DONE;
        return SNOW_EAUTH;
    }
    memcpy(hs->peer_nonce, in + 2, AUTH_NONCE);
    return auth_accept_proof(as, hs, hs->peer_nonce, in + 2 + AUTH_NONCE, out, outlen, reason,
                             rlen);
}

static int auth_step(void *state, void *hsp, const void *inv, size_t inlen, void *outv,
                     size_t outcap, size_t *outlen, char *reason, size_t rlen)
{
    struct auth_state *as = state;
    struct auth_hs *hs = hsp;
    const unsigned char *in = inv;
    unsigned char *out = outv;
    unsigned char mac[AUTH_MAC];
    int rc;
    *outlen = 0;
    if (outcap < 2 + AUTH_REASON_MAX)
        return SNOW_EINVAL;
    switch (hs->phase) {
    case AUTH_START:
        if (hs->bound) {
            unsigned char body[AUTH_NONCE + AUTH_MAC];
            if ((rc = auth_cookie(as, hs, reason, rlen)) != 0 ||
                (rc = auth_proof(hs, auth_label_i, hs->my_nonce, mac)) != 0)
                return rc;
            memcpy(body, hs->my_nonce, AUTH_NONCE);
            memcpy(body + AUTH_NONCE, mac, AUTH_MAC);
            *outlen = auth_msg(out, AUTH_BOUND_PROOF_I, body, sizeof body);
            hs->phase = AUTH_WAIT_PROOF_A;
            return SNOW_AUTH_CONTINUE;
        }
        *outlen = auth_msg(out, AUTH_CHALLENGE_I, hs->my_nonce, AUTH_NONCE);
        hs->phase = AUTH_WAIT_CHAL_A;
        return SNOW_AUTH_CONTINUE;
    case AUTH_WAIT_CHAL_I:
        if (in != NULL && inlen >= 2 && in[0] == AUTH_VERSION && in[1] == AUTH_BOUND_PROOF_I)
            return auth_on_bound_proof(as, hs, in, inlen, out, outlen, reason, rlen);
        if ((rc = auth_expect(in, inlen, AUTH_CHALLENGE_I, AUTH_NONCE, reason, rlen)) != 0)
            return rc;
        memcpy(hs->peer_nonce, in + 2, AUTH_NONCE);
        *outlen = auth_msg(out, AUTH_CHALLENGE_A, hs->my_nonce, AUTH_NONCE);
        hs->phase = AUTH_WAIT_PROOF_I;
        return SNOW_AUTH_CONTINUE;
    case AUTH_WAIT_CHAL_A:
        if ((rc = auth_expect(in, inlen, AUTH_CHALLENGE_A, AUTH_NONCE, reason, rlen)) != 0 ||
            (rc = auth_cookie(as, hs, reason, rlen)) != 0)
            return rc;
        memcpy(hs->peer_nonce, in + 2, AUTH_NONCE);
        if ((rc = auth_proof(hs, auth_label_i, hs->peer_nonce, mac)) != 0)
            return rc;
        *outlen = auth_msg(out, AUTH_PROOF_I, mac, AUTH_MAC);
        hs->phase = AUTH_WAIT_PROOF_A;
        return SNOW_AUTH_CONTINUE;
    case AUTH_WAIT_PROOF_I:
        if ((rc = auth_expect(in, inlen, AUTH_PROOF_I, AUTH_MAC, reason, rlen)) != 0)
            return rc;
        return auth_accept_proof(as, hs, hs->my_nonce, in + 2, out, outlen, reason, rlen);
    case AUTH_WAIT_PROOF_A:
        if ((rc = auth_expect(in, inlen, AUTH_PROOF_A, AUTH_MAC, reason, rlen)) != 0 ||
            (rc = auth_verify(hs, auth_label_a, hs->my_nonce, in + 2, reason, rlen)) != 0)
            return rc;
        hs->phase = AUTH_DONE;
        return SNOW_AUTH_ACCEPT;
    case AUTH_DONE:
    default:
        snprintf(reason, rlen, "auth message after the handshake ended");
        return SNOW_EPROTO;
    }
}

static int auth_ctl(void *state, int op, void *arg)
{
    struct auth_state *as = state;
    if (op == SNOW_CTL_STATUS && arg != NULL) {
        struct snow_ctl_text *t = arg;
        snprintf(t->buf, t->len, "cookie HMAC-SHA256 challenge/response%s",
                 as->require_binding ? ", channel binding required" : "");
        return 0;
    }
    return SNOW_ENOTSUP;
}

static int auth_init(const struct snow_services *svc, snow_plugin_ctx *ctx,
                     const snow_plugin_args *args, void **state, char *errbuf, size_t errlen)
{
    struct auth_state *as = calloc(1, sizeof *as);
    if (as == NULL)
        return SNOW_ENOMEM;
    as->svc = svc;
    as->ctx = ctx;
    if (svc->opt_bool(ctx, args, "require_binding", &as->require_binding) != 0)
        as->require_binding = false;
    *state = as;
    return 0;
}

static void auth_fini(void *state)
{
    free(state);
}

static const struct snow_auth_ops auth_ops = {
    SNOW_OPS_HEAD(struct snow_auth_ops),
    .ctl = auth_ctl,
    .start = auth_start,
    .step = auth_step,
    .end = auth_end,
};

static const struct snow_plugin_option auth_options[] = {
    {.key = "require_binding", .type = SNOW_OPT_BOOL, .def = "false",
     .help = "refuse peers on transports without a channel binding (plain TCP)"},
    {.key = NULL},
};

SNOW_PLUGIN_EXPORT const struct snow_plugin_desc snow_plugin = {
    SNOW_PLUGIN_HEAD,
    .kind = SNOW_PLUGIN_AUTH,
    .name = "auth_cookie",
    .version = "1.0",
    .summary = "mutual cookie challenge/response (HMAC-SHA256, RFC 9266 channel binding)",
    .options = auth_options,
    .ops = &auth_ops,
    .init = auth_init,
    .fini = auth_fini,
};
