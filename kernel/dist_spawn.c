/* SPDX-License-Identifier: MIT */
/* Remote spawn on the wire: spawn_request / spawn_reply frames and waiting callers. */
#include "dist_spawn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snow/snow.h>

#include "dist_ft.h"
#include "funreg.h"
#include "log.h"
#include "route.h"

/*
 * A caller sends spawn_request and waits, by selective receive on a fresh
 * ref, for a message {'$snow_spawn_reply', Ref, Code, Pid, Text} that the
 * I/O thread delivers when spawn_reply arrives, or when the connection is
 * lost first (Code = SNOW_ENOCONN). The pending entry is on the heap, not the
 * caller's stack: a caller killed while waiting leaves it to the I/O thread
 * (reply or node-down frees it). Whoever takes an entry out of the table
 * owns it, so a reply and a timeout can never both act on one call.
 */
struct dspawn_pending {
    struct dspawn_pending *next;
    uint64_t ref;        /* local ref id (what travels) */
    snow_pid caller;
    uint16_t slot;       /* the node asked */
    bool link;
};

#define DSPAWN_BUCKETS 1024u
#define DSPAWN_TEXT_MAX 1024u
#define DSPAWN_LATE_MS 10000 /* bound on a reply already taken by the I/O thread */
static const char dspawn_tag[] = "$snow_spawn_reply";

static pthread_mutex_t dspawn_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dspawn_pending *dspawn_tab[DSPAWN_BUCKETS];

static void dspawn_add(struct dspawn_pending *p)
{
    pthread_mutex_lock(&dspawn_lock);
    struct dspawn_pending **b = &dspawn_tab[p->ref % DSPAWN_BUCKETS];
    p->next = *b;
    *b = p;
    pthread_mutex_unlock(&dspawn_lock);
}

/* Removes and returns the entry for ref (and caller, if not NONE), or NULL. */
static struct dspawn_pending *dspawn_take(uint64_t ref, snow_pid caller)
{
    pthread_mutex_lock(&dspawn_lock);
    struct dspawn_pending **pp = &dspawn_tab[ref % DSPAWN_BUCKETS], *p = NULL;
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->ref == ref && (caller == SNOW_PID_NONE || (*pp)->caller == caller)) {
            p = *pp;
            *pp = p->next;
            break;
        }
    }
    pthread_mutex_unlock(&dspawn_lock);
    return p;
}

/* Hands the outcome to the waiting caller (dropped if it is gone). */
static void dspawn_answer(snow_pid caller, uint64_t ref, int code, snow_pid child,
                          const char *text, size_t tlen)
{
    snow_term *msg = snow_tuple(5, snow_atom(dspawn_tag), snow_int((int64_t)ref),
                                snow_int(code), code == 0 ? snow_pid_term(child) : snow_nil(),
                                snow_string_len(text, tlen));
    if (msg == NULL) {
        sk_log(SK_LOG_ERROR, "SNOW-SPAWN-NOMEM", "cannot answer a spawn call (out of memory)");
        return;
    }
    sk_deliver_msg(caller, msg);
}

/* ---- the calling side ---- */

struct dspawn_match {
    uint64_t ref;
};

static bool dspawn_is_reply(const snow_term *m, void *ctx)
{
    const struct dspawn_match *mt = ctx;
    const snow_term *r;
    int64_t v;
    return snow_term_is_tuple_tagged(m, 5, dspawn_tag) && snow_term_elem(m, 1, &r) == 0 &&
           snow_term_int(r, &v) == 0 && (uint64_t)v == mt->ref;
}

/* Reads a reply message: 0 and *out, or the remote code with its text set
 * as this thread's node error. */
static int dspawn_result(const snow_term *m, const char *node, const char *name, snow_pid *out)
{
    const snow_term *e;
    int64_t code = SNOW_EPROTO;
    const char *text = "";
    size_t tlen = 0;
    if (snow_term_elem(m, 2, &e) == 0)
        snow_term_int(e, &code);
    if (snow_term_elem(m, 4, &e) == 0)
        snow_term_string(e, &text, &tlen);
    if (code == 0 && snow_term_elem(m, 3, &e) == 0 && snow_term_pid(e, out) == 0)
        return 0;
    if (code == 0)
        code = SNOW_EPROTO;
    sk_dist_set_error("spawn %s on %s: %s: %.*s", name, node, snow_strerror((int)code),
                      (int)tlen, text);
    return (int)code;
}

int sk_dspawn_call(const char *node, const char *name, size_t nlen, const snow_term *args,
                   bool link, int64_t timeout_ms, snow_pid *out)
{
    int slot = sk_node_table_find(node);
    struct sk_node *n = slot >= 0 ? sk_node_table_get((uint16_t)slot) : NULL;
    if (n == NULL)
        return sk_spawn_fail(SNOW_ENOCONN, "spawn %s on %s: node not connected", name, node);
    snow_term *nil = args ? NULL : snow_nil();
    struct sk_dist_enc enc;
    char err[256] = "";
    int rc = sk_dist_encode(args ? args : nil, &enc, err, sizeof err);
    snow_term_release(nil);
    if (rc != 0) {
        sk_dist_enc_free(&enc);
        return sk_spawn_fail(rc, "spawn %s on %s: args not sent: %s", name, node, err);
    }

    struct dspawn_pending *p = malloc(sizeof *p);
    if (p == NULL) {
        sk_dist_enc_free(&enc);
        return sk_spawn_fail(SNOW_ENOMEM, "spawn %s on %s: out of memory", name, node);
    }
    p->ref = snow_make_ref() & SNOW_LOCAL_MASK;
    p->caller = snow_self();
    p->slot = (uint16_t)slot;
    p->link = link;
    uint64_t ref = p->ref;
    snow_pid caller = p->caller;
    dspawn_add(p); /* before the frame: the answer may come at once */

    uint8_t head[8 + 8 + 1 + 1 + SNOW_FUNCTION_NAME_MAX];
    sk_put_u64(head, ref);
    sk_put_u64(head + 8, caller & SNOW_LOCAL_MASK);
    head[16] = link ? 1 : 0;
    head[17] = (uint8_t)nlen;
    memcpy(head + 18, name, nlen);
    rc = sk_dout_enc(n, SK_F_SPAWN_REQ, head, 18 + nlen, &enc);
    sk_dist_enc_free(&enc);
    if (rc != 0 && (p = dspawn_take(ref, caller)) != NULL) {
        free(p);
        return sk_spawn_fail(rc, "spawn %s on %s: %s", name, node,
                             rc == SNOW_ENOCONN ? "node not connected" : snow_strerror(rc));
    }
    /* sent, or node-down already answered us: wait for the answer */
    struct dspawn_match mt = {.ref = ref};
    snow_term *m = NULL;
    rc = snow_receive_match(dspawn_is_reply, &mt, timeout_ms, &m);
    if (rc == SNOW_ETIMEDOUT && (p = dspawn_take(ref, caller)) != NULL) {
        free(p);
        return sk_spawn_fail(SNOW_ETIMEDOUT, "spawn %s on %s: no answer in %lld ms", name, node,
                             (long long)timeout_ms);
    }
    if (rc == SNOW_ETIMEDOUT) /* the I/O thread holds it: the answer is on its way */
        rc = snow_receive_match(dspawn_is_reply, &mt, DSPAWN_LATE_MS, &m);
    if (rc != 0)
        return sk_spawn_fail(rc, "spawn %s on %s: waiting for the answer: %s", name, node,
                             snow_strerror(rc));
    rc = dspawn_result(m, node, name, out);
    snow_term_release(m);
    return rc;
}

/* ---- the spawning side: spawn_request ---- */

struct dspawn_req {
    snow_conn *c;
    uint64_t ref, caller;  /* as on the wire */
    bool link;
};

/* Queues spawn_reply on c's node. Called before the child is queued, so the
 * reply precedes anything the child sends (its messages, its exit). */
static void dspawn_reply(struct sk_node *n, uint64_t ref, uint64_t caller, int code,
                         uint64_t child, bool linked, const char *text)
{
    uint8_t head[29];
    sk_put_u64(head, ref);
    sk_put_u64(head + 8, caller);
    sk_put_u32(head + 16, (uint32_t)-code);
    sk_put_u64(head + 20, child & SNOW_LOCAL_MASK);
    head[28] = linked ? 1 : 0;
    size_t tl = text ? strnlen(text, DSPAWN_TEXT_MAX) : 0;
    sk_dout_frame(n, SK_F_SPAWN_REPLY, head, sizeof head, text, tl);
}

static void dspawn_before_run(void *ctx, snow_pid child)
{
    struct dspawn_req *q = ctx;
    struct sk_node *n = q->c->node;
    if (q->link) /* tracked before the reply: a lost connection signals it */
        sk_ft_add(n, SK_FT_LINKS, child, ((uint64_t)n->slot << SNOW_NODE_SHIFT) | q->caller, 0);
    dspawn_reply(n, q->ref, q->caller, 0, child, q->link, NULL);
}

int sk_dspawn_on_request(snow_conn *c, const uint8_t *body, size_t len)
{
    struct sk_reader r;
    sk_reader_init(&r, body, len);
    struct dspawn_req q = {.c = c};
    q.ref = sk_read_u64(&r);
    q.caller = sk_read_u64(&r);
    uint8_t flags = sk_read_u8(&r);
    uint8_t nl = sk_read_u8(&r);
    const char *name = (const char *)sk_reader_take(&r, nl);
    if (r.bad || q.ref > SNOW_LOCAL_MASK || q.caller > SNOW_LOCAL_MASK || q.caller == 0 ||
        (flags & ~1u) != 0 || nl == 0)
        return sk_dist_bad_frame(c, SK_F_SPAWN_REQ, "bad header");
    char nbuf[SNOW_FUNCTION_NAME_MAX + 1];
    memcpy(nbuf, name, nl);
    nbuf[nl] = '\0';
    if (sk_funreg_check_name(nbuf, NULL) != 0)
        return sk_dist_bad_frame(c, SK_F_SPAWN_REQ, "bad function name");
    q.link = (flags & 1) != 0;
    snow_term *args = NULL;
    if (sk_dist_frame_term(c, SK_F_SPAWN_REQ, r.p, r.left, &args) != 0)
        return SNOW_ECLOSED;

    char text[DSPAWN_TEXT_MAX];
    snow_proc_fn fn;
    int rc = sk_funreg_lookup_len(nbuf, nl, &fn);
    if (rc != 0) {
        snprintf(text, sizeof text, "function \"%s\" is not registered on %s", nbuf,
                 sk_dist.self.full);
        dspawn_reply(c->node, q.ref, q.caller, SNOW_ENOFUNC, 0, false, text);
    } else {
        snow_pid child;
        snow_pid link_to = q.link ? ((uint64_t)c->node->slot << SNOW_NODE_SHIFT) | q.caller
                                  : SNOW_PID_NONE;
        rc = sk_proc_spawn_for(fn, args, link_to, dspawn_before_run, &q, &child);
        if (rc != 0) {
            snprintf(text, sizeof text, "spawn failed on %s: %s", sk_dist.self.full,
                     snow_strerror(rc));
            dspawn_reply(c->node, q.ref, q.caller, rc, 0, false, text);
        }
    }
    snow_term_release(args);
    return 0;
}

/* ---- the calling side: spawn_reply ---- */

int sk_dspawn_on_reply(snow_conn *c, const uint8_t *body, size_t len)
{
    struct sk_reader r;
    sk_reader_init(&r, body, len);
    uint64_t ref = sk_read_u64(&r), caller = sk_read_u64(&r);
    uint32_t neg = sk_read_u32(&r);
    uint64_t child = sk_read_u64(&r);
    uint8_t flags = sk_read_u8(&r);
    int code = -(int)neg;
    if (r.bad || ref > SNOW_LOCAL_MASK || caller > SNOW_LOCAL_MASK || child > SNOW_LOCAL_MASK ||
        neg > 1000 || (flags & ~1u) != 0 || r.left > DSPAWN_TEXT_MAX ||
        (code == 0 && child == 0) || (code != 0 && (child != 0 || flags != 0)))
        return sk_dist_bad_frame(c, SK_F_SPAWN_REPLY, "bad header");
    snow_pid child_pid = ((uint64_t)c->node->slot << SNOW_NODE_SHIFT) | child;
    bool linked = (flags & 1) != 0;
    struct dspawn_pending *p = dspawn_take(ref, caller);
    if (p == NULL || p->slot != c->node->slot || p->link != linked) {
        /* Nobody waits (timed out, or a stray reply). A child linked to a
         * caller that gave up would be unseen: end it. */
        if (p != NULL)
            dspawn_answer(p->caller, p->ref, SNOW_EPROTO, 0, "inconsistent spawn reply", 24);
        free(p);
        if (code == 0 && linked) {
            snow_term *why = snow_atom("noproc");
            sk_route_exit(caller, child_pid, why, true);
            snow_term_release(why);
        }
        return 0;
    }
    free(p);
    if (code == 0 && linked) {
        /* The caller's half, before it hears of the child: the child's exit
         * comes after this reply on the same stream. */
        if (sk_link_add_remote(caller, child_pid) == 0) {
            sk_ft_add(c->node, SK_FT_LINKS, caller, child_pid, 0);
        } else {
            snow_term *why = snow_atom("noproc");
            sk_route_exit(caller, child_pid, why, true);
            snow_term_release(why);
            return 0;
        }
    }
    dspawn_answer(caller, ref, code, child_pid, (const char *)r.p, r.left);
    return 0;
}

void sk_dspawn_node_down(struct sk_node *n)
{
    struct dspawn_pending *lost = NULL;
    pthread_mutex_lock(&dspawn_lock);
    for (size_t i = 0; i < DSPAWN_BUCKETS; i++) {
        struct dspawn_pending **pp = &dspawn_tab[i];
        while (*pp) {
            struct dspawn_pending *p = *pp;
            if (p->slot == n->slot) {
                *pp = p->next;
                p->next = lost;
                lost = p;
            } else {
                pp = &p->next;
            }
        }
    }
    pthread_mutex_unlock(&dspawn_lock);
    while (lost) {
        struct dspawn_pending *p = lost;
        lost = p->next;
        static const char why[] = "connection lost during the call (noconnection)";
        dspawn_answer(p->caller, p->ref, SNOW_ENOCONN, 0, why, sizeof why - 1);
        free(p);
    }
}
