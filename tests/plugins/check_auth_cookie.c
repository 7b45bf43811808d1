/* SPDX-License-Identifier: MIT */
/* auth_cookie plugin: two handshakes driven against each other in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_harness.h"
#include "snow_check.h"

#define PLUGIN "auth_cookie"

/* One side of a handshake. */
struct side {
    struct th_plugin *p;
    const struct snow_auth_ops *ops;
    void *hs;
    struct snow_auth_params par;
    int rc;                     /* last step result */
    char reason[256];
    bool done;                  /* accepted or failed */
};

struct duel {
    struct event_base *base;
    struct side ini, acc;
    int messages;
};

static struct th_plugin *duel_load(struct duel *d, const char *cookie, const char *const *kv)
{
    char err[256];
    struct th_plugin *p = th_plugin_load(d->base, PLUGIN, kv, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    p->cookie = cookie;
    return p;
}

/* Start both sides; bindings may be NULL. */
static void duel_start(struct duel *d, const char *cookie_i, const char *cookie_a,
                       const char *bind_i, const char *bind_a)
{
    memset(d, 0, sizeof *d);
    d->base = th_base_new();
    d->ini.p = duel_load(d, cookie_i, NULL);
    d->acc.p = duel_load(d, cookie_a, NULL);
    d->ini.ops = th_auth(d->ini.p);
    d->acc.ops = th_auth(d->acc.p);
    d->ini.par = (struct snow_auth_params){
        .size = sizeof(struct snow_auth_params), .role = SNOW_AUTH_INITIATOR,
        .self_name = "alpha@127.0.0.1:4001", .peer_name = "beta@127.0.0.1:4002",
        .binding = bind_i, .binding_len = bind_i ? strlen(bind_i) : 0};
    d->acc.par = (struct snow_auth_params){
        .size = sizeof(struct snow_auth_params), .role = SNOW_AUTH_ACCEPTOR,
        .self_name = "beta@127.0.0.1:4002", .peer_name = "alpha@127.0.0.1:4001",
        .binding = bind_a, .binding_len = bind_a ? strlen(bind_a) : 0};
}

static int side_start(struct side *s)
{
    return s->ops->start(s->p->state, NULL, &s->par, &s->hs);
}

static int side_step(struct side *s, const void *in, size_t inlen, unsigned char *out,
                     size_t *outlen)
{
    s->reason[0] = '\0';
    s->rc = s->ops->step(s->p->state, s->hs, in, inlen, out, SNOW_AUTH_MSG_MAX, outlen,
                         s->reason, sizeof s->reason);
    if (s->rc != SNOW_AUTH_CONTINUE)
        s->done = true;
    return s->rc;
}

/* Tamper hook: may rewrite the n-th message in flight (0-based). */
typedef void (*tamper_fn)(int n, unsigned char *msg, size_t *len);

/* Run the exchange as the kernel would: the initiator speaks first; each
 * output is delivered to the other side; a side's failure output (REJECT)
 * is still delivered. Bounded to 10 messages. */
static void duel_run(struct duel *d, tamper_fn tamper)
{
    ck_assert_snow_ok(side_start(&d->ini));
    ck_assert_snow_ok(side_start(&d->acc));
    unsigned char msg[SNOW_AUTH_MSG_MAX];
    size_t len = 0;
    side_step(&d->ini, NULL, 0, msg, &len);
    struct side *to = &d->acc, *from = &d->ini;
    while (len > 0 && d->messages < 10 && !to->done) {
        if (tamper)
            tamper(d->messages, msg, &len);
        d->messages++;
        unsigned char out[SNOW_AUTH_MSG_MAX];
        size_t outlen = 0;
        side_step(to, msg, len, out, &outlen);
        memcpy(msg, out, outlen);
        len = outlen;
        struct side *t = to;
        to = from;
        from = t;
    }
}

static void duel_end(struct duel *d)
{
    if (d->ini.hs)
        d->ini.ops->end(d->ini.p->state, d->ini.hs);
    if (d->acc.hs)
        d->acc.ops->end(d->acc.p->state, d->acc.hs);
    th_plugin_unload(d->ini.p);
    th_plugin_unload(d->acc.p);
    event_base_free(d->base);
}

START_TEST(same_cookie_both_accept)
{
    struct duel d;
    duel_start(&d, "s3cret-cookie", "s3cret-cookie", "binding-0123456789abcdef0123456",
               "binding-0123456789abcdef0123456");
    duel_run(&d, NULL);
    ck_assert_int_eq(d.ini.rc, SNOW_AUTH_ACCEPT);
    ck_assert_int_eq(d.acc.rc, SNOW_AUTH_ACCEPT);
    ck_assert_int_eq(d.messages, 2); /* bound: proof, proof (one round trip) */
    duel_end(&d);
    /* Without a binding (plain TCP) too: challenge, challenge, proof, proof. */
    duel_start(&d, "k", "k", NULL, NULL);
    duel_run(&d, NULL);
    ck_assert_int_eq(d.ini.rc, SNOW_AUTH_ACCEPT);
    ck_assert_int_eq(d.acc.rc, SNOW_AUTH_ACCEPT);
    ck_assert_int_eq(d.messages, 4);
    duel_end(&d);
}
END_TEST

START_TEST(different_cookies_both_reject)
{
    struct duel d;
    duel_start(&d, "cookie-one", "cookie-two", NULL, NULL);
    duel_run(&d, NULL);
    ck_assert_snow_err(d.acc.rc, SNOW_EAUTH);
    ck_assert_msg(strstr(d.acc.reason, "wrong cookie proof from alpha@") != NULL, "%s",
                  d.acc.reason);
    ck_assert_snow_err(d.ini.rc, SNOW_EAUTH);
    ck_assert_msg(strstr(d.ini.reason, "peer rejected us") != NULL, "%s", d.ini.reason);
    duel_end(&d);
}
END_TEST

START_TEST(relay_mismatched_bindings_reject)
{
    struct duel d;
    duel_start(&d, "same", "same", "binding-of-the-first-channel-xx",
               "binding-of-the-other-channel-x");
    duel_run(&d, NULL);
    ck_assert_snow_err(d.acc.rc, SNOW_EAUTH);
    ck_assert_ptr_nonnull(strstr(d.acc.reason, "channel bindings differ"));
    ck_assert(d.ini.rc != SNOW_AUTH_ACCEPT);
    duel_end(&d);
    /* One side with a binding, the other without: also refused. */
    duel_start(&d, "same", "same", "binding-of-the-first-channel-xx", NULL);
    duel_run(&d, NULL);
    ck_assert_snow_err(d.acc.rc, SNOW_EAUTH);
    ck_assert_msg(strstr(d.acc.reason, "TLS channel this side does not have") != NULL, "%s",
                  d.acc.reason);
    ck_assert(d.ini.rc != SNOW_AUTH_ACCEPT);
    duel_end(&d);
    duel_start(&d, "same", "same", NULL, "binding-of-the-first-channel-xx");
    duel_run(&d, NULL);
    ck_assert_snow_err(d.acc.rc, SNOW_EAUTH);
    duel_end(&d);
}
END_TEST

START_TEST(names_are_part_of_the_proof)
{
    struct duel d;
    duel_start(&d, "same", "same", NULL, NULL);
    d.acc.par.peer_name = "mallory@127.0.0.1:4001"; /* who the acceptor thinks it talks to */
    duel_run(&d, NULL);
    ck_assert_snow_err(d.acc.rc, SNOW_EAUTH);
    duel_end(&d);
}
END_TEST

static unsigned char reflected[64];
static size_t reflected_len;

/* Keep the initiator's proof (message 2) and send it back to the
 * initiator as the acceptor's proof (message 3). */
static void tamper_reflect(int n, unsigned char *msg, size_t *len)
{
    if (n == 2) {
        memcpy(reflected, msg, *len);
        reflected_len = *len;
    } else if (n == 3) {
        memcpy(msg, reflected, reflected_len);
        msg[1] = 4; /* PROOF_A */
        *len = reflected_len;
    }
}

START_TEST(reflected_proof_rejected)
{
    struct duel d;
    duel_start(&d, "same", "same", NULL, NULL);
    duel_run(&d, tamper_reflect);
    ck_assert_int_eq(d.acc.rc, SNOW_AUTH_ACCEPT); /* the honest acceptor saw a good proof */
    ck_assert_snow_err(d.ini.rc, SNOW_EAUTH);
    duel_end(&d);
}
END_TEST

static void tamper_flip_last(int n, unsigned char *msg, size_t *len)
{
    if (n == 3)
        msg[*len - 1] ^= 1;
}

START_TEST(forged_acceptor_proof_rejected)
{
    struct duel d;
    duel_start(&d, "same", "same", NULL, NULL);
    duel_run(&d, tamper_flip_last);
    ck_assert_snow_err(d.ini.rc, SNOW_EAUTH);
    ck_assert_ptr_nonnull(strstr(d.ini.reason, "wrong cookie proof from beta@"));
    duel_end(&d);
}
END_TEST

/* Truncated, over-long, wrong-version and random messages at every
 * position of the exchange: always a clean negative code with a reason. */
static int garbage_mode, garbage_pos;
static unsigned garbage_seed;

static void tamper_garbage(int n, unsigned char *msg, size_t *len)
{
    if (n != garbage_pos)
        return;
    switch (garbage_mode) {
    case 0: /* truncate */
        *len = (size_t)(garbage_seed % *len);
        break;
    case 1: /* one byte too long */
        msg[*len] = 0;
        (*len)++;
        break;
    case 2: /* wrong version */
        msg[0] ^= 0x80;
        break;
    default: /* random bytes, random length */
        *len = garbage_seed % 300;
        for (size_t i = 0; i < *len; i++) {
            garbage_seed = garbage_seed * 1103515245u + 12345u;
            msg[i] = (unsigned char)(garbage_seed >> 16);
        }
        break;
    }
}

START_TEST(garbage_messages_rejected)
{
    for (garbage_pos = 0; garbage_pos < 4; garbage_pos++)
        for (garbage_mode = 0; garbage_mode < 4; garbage_mode++)
            for (garbage_seed = 1; garbage_seed < (garbage_mode == 3 ? 60u : 40u); garbage_seed++) {
                struct duel d;
                duel_start(&d, "same", "same", NULL, NULL);
                duel_run(&d, tamper_garbage);
                struct side *victim = (garbage_pos % 2 == 0) ? &d.acc : &d.ini;
                ck_assert_msg(victim->rc < 0, "pos %d mode %d seed %u: accepted garbage",
                              garbage_pos, garbage_mode, garbage_seed);
                ck_assert(victim->rc == SNOW_EPROTO || victim->rc == SNOW_EAUTH);
                ck_assert_str_ne(victim->reason, "");
                ck_assert(!(d.ini.rc == SNOW_AUTH_ACCEPT && d.acc.rc == SNOW_AUTH_ACCEPT));
                duel_end(&d);
            }
}
END_TEST

START_TEST(missing_cookie_rejects)
{
    struct duel d;
    duel_start(&d, NULL, "k", NULL, NULL);
    duel_run(&d, NULL);
    ck_assert_snow_err(d.ini.rc, SNOW_EAUTH);
    ck_assert_ptr_nonnull(strstr(d.ini.reason, "no cookie for beta@"));
    duel_end(&d);
}
END_TEST

START_TEST(nonces_are_fresh)
{
    unsigned char first[2][SNOW_AUTH_MSG_MAX];
    for (int i = 0; i < 2; i++) {
        struct duel d;
        duel_start(&d, "k", "k", NULL, NULL);
        ck_assert_snow_ok(side_start(&d.ini));
        size_t len;
        ck_assert_int_eq(side_step(&d.ini, NULL, 0, first[i], &len), SNOW_AUTH_CONTINUE);
        ck_assert_uint_eq(len, 34);
        duel_end(&d);
    }
    ck_assert_int_ne(memcmp(first[0], first[1], 34), 0);
}
END_TEST

START_TEST(bad_params_and_required_binding)
{
    struct duel d;
    duel_start(&d, "k", "k", NULL, NULL);
    d.ini.par.peer_name = NULL;
    ck_assert_snow_err(side_start(&d.ini), SNOW_EINVAL);
    d.ini.hs = NULL;
    duel_end(&d);

    char err[256];
    static const char *const kv[] = {"require_binding", "true", NULL};
    struct event_base *base = th_base_new();
    struct th_plugin *p = th_plugin_load(base, PLUGIN, kv, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    struct snow_auth_params par = {.size = sizeof par, .role = SNOW_AUTH_ACCEPTOR,
                                   .self_name = "a@h:1", .peer_name = "b@h:2"};
    void *hs = NULL;
    ck_assert_snow_err(th_auth(p)->start(p->state, NULL, &par, &hs), SNOW_EAUTH);
    ck_assert_str_eq(p->last_msgid, "SNOW-AUTH-NOBINDING");
    par.binding = "0123456789abcdef0123456789abcdef";
    par.binding_len = 32;
    ck_assert_snow_ok(th_auth(p)->start(p->state, NULL, &par, &hs));
    th_auth(p)->end(p->state, hs);
    th_plugin_unload(p);
    event_base_free(base);
}
END_TEST

/* Bindings from real TLS connections: a direct link authenticates; a relay
 * that terminates TLS on both sides (A <-> M <-> B) cannot pass A's proof
 * on to B, because the two channels' tls-exporter values differ. */
/* A TLS server is up once its Finished is out (early start); its binding
 * exists once the client's Finished is in, which the client's first bytes
 * bring, as a peer's hello does in the kernel. */
static void tls_binding(struct th_plugin *p, struct snow_conn *c, unsigned char out[32])
{
    int rc = th_transport(p)->channel_binding(p->state, c, c->cs, out, 32);
    if (rc == SNOW_ESTATE && !c->outbound) {
        ck_assert_msg(th_run_until(p->base, th_has_rx, c, 5000), "no bytes from the client");
        rc = th_transport(p)->channel_binding(p->state, c, c->cs, out, 32);
    }
    ck_assert_snow_ok(rc);
}

static void duel_with_bindings(struct duel *d, const unsigned char *bi, const unsigned char *ba)
{
    duel_start(d, "same", "same", NULL, NULL);
    d->ini.par.binding = bi;
    d->ini.par.binding_len = 32;
    d->acc.par.binding = ba;
    d->acc.par.binding_len = 32;
    duel_run(d, NULL);
}

START_TEST(tls_relay_cannot_authenticate)
{
    char err[256];
    struct event_base *base = th_base_new();
    struct th_plugin *a = th_plugin_load(base, "transport_tls", NULL, err, sizeof err);
    ck_assert_msg(a != NULL, "%s", err);
    struct th_plugin *m = th_plugin_load(base, "transport_tls", NULL, err, sizeof err);
    struct th_plugin *b = th_plugin_load(base, "transport_tls", NULL, err, sizeof err);
    ck_assert(m != NULL && b != NULL);
    struct snow_listener lm, lb, lb2;
    struct snow_conn *a_m, *m_a, *m_b, *b_m, *a_b, *b_a;
    ck_assert(th_pair(m, a, &lm, &a_m, &m_a)); /* A dials what it thinks is B */
    ck_assert(th_pair(b, m, &lb, &m_b, &b_m)); /* M dials the real B */
    ck_assert_int_ge(th_send(a_m, "x", 1), 0); /* completes the servers' handshakes */
    ck_assert_int_ge(th_send(m_b, "x", 1), 0);
    unsigned char bind_am[32], bind_ma[32], bind_mb[32], bind_bm[32];
    tls_binding(a, a_m, bind_am);
    tls_binding(m, m_a, bind_ma);
    tls_binding(m, m_b, bind_mb);
    tls_binding(b, b_m, bind_bm);
    ck_assert_mem_eq(bind_am, bind_ma, 32);
    ck_assert_mem_eq(bind_mb, bind_bm, 32);

    struct duel d;
    duel_with_bindings(&d, bind_am, bind_bm); /* M forwards messages verbatim */
    ck_assert_snow_err(d.acc.rc, SNOW_EAUTH);
    ck_assert(d.ini.rc != SNOW_AUTH_ACCEPT);
    duel_end(&d);

    ck_assert(th_pair(b, a, &lb2, &a_b, &b_a)); /* the direct link */
    ck_assert_int_ge(th_send(a_b, "x", 1), 0);
    unsigned char bind_ab[32], bind_ba[32];
    tls_binding(a, a_b, bind_ab);
    tls_binding(b, b_a, bind_ba);
    duel_with_bindings(&d, bind_ab, bind_ba);
    ck_assert_int_eq(d.ini.rc, SNOW_AUTH_ACCEPT);
    ck_assert_int_eq(d.acc.rc, SNOW_AUTH_ACCEPT);
    duel_end(&d);

    th_unlisten(&lm);
    th_unlisten(&lb);
    th_unlisten(&lb2);
    th_plugin_unload(a);
    th_plugin_unload(m);
    th_plugin_unload(b);
    event_base_free(base);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *t)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, t);
    suite_add_tcase(s, tc);
}

Suite *snow_test_suite(void)
{
    Suite *s = suite_create(PLUGIN);
    add(s, "same_cookie_both_accept", same_cookie_both_accept);
    add(s, "different_cookies_both_reject", different_cookies_both_reject);
    add(s, "relay_mismatched_bindings_reject", relay_mismatched_bindings_reject);
    add(s, "names_are_part_of_the_proof", names_are_part_of_the_proof);
    add(s, "reflected_proof_rejected", reflected_proof_rejected);
    add(s, "forged_acceptor_proof_rejected", forged_acceptor_proof_rejected);
    add(s, "garbage_messages_rejected", garbage_messages_rejected);
    add(s, "missing_cookie_rejects", missing_cookie_rejects);
    add(s, "nonces_are_fresh", nonces_are_fresh);
    add(s, "bad_params_and_required_binding", bad_params_and_required_binding);
    add(s, "tls_relay_cannot_authenticate", tls_relay_cannot_authenticate);
    return s;
}
