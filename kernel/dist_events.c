/* SPDX-License-Identifier: MIT */
/* Node up/down: node table wiring, listeners, {nodeup}/{nodedown} messages, mesh. */
#include "dist.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <snow/node.h>
#include <snow/snow.h>

#include "dist_ft.h"
#include "dist_plugins.h"
#include "dist_spawn.h"
#include "log.h"
#include "services.h"

/* Processes subscribed with snow_node_monitor; any thread, under a lock. */
struct subscriber {
    struct subscriber *next;
    snow_pid pid;
    char node[SK_NODE_NAME_MAX + 1]; /* "" = every node */
};

static pthread_mutex_t subs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct subscriber *subs;

/* {nodeup, Node} / {nodedown, Node, Reason} to each matching subscriber. */
static void events_send_messages(const char *node, bool up, int code)
{
    snow_term *msg = up ? snow_tuple(2, snow_atom("nodeup"), snow_atom(node))
                        : snow_tuple(3, snow_atom("nodedown"), snow_atom(node),
                                     snow_atom(code == SNOW_ETIMEDOUT ? "net_tick_timeout"
                                               : code == SNOW_ECLOSED ? "connection_closed"
                                                                      : "noconnection"));
    if (msg == NULL)
        return;
    pthread_mutex_lock(&subs_lock);
    for (struct subscriber *s = subs; s; s = s->next)
        if (s->node[0] == '\0' || strcmp(s->node, node) == 0)
            snow_send(s->pid, msg);
    pthread_mutex_unlock(&subs_lock);
    snow_term_release(msg);
}

int snow_node_monitor(const char *node, bool on)
{
    snow_pid self = snow_self();
    if (self == SNOW_PID_NONE)
        return SNOW_ENOTPROC;
    if (node != NULL && strlen(node) > SK_NODE_NAME_MAX)
        return SNOW_EINVAL;
    const char *key = node ? node : "";
    if (!on) {
        pthread_mutex_lock(&subs_lock);
        for (struct subscriber **p = &subs; *p; p = &(*p)->next) {
            if ((*p)->pid == self && strcmp((*p)->node, key) == 0) {
                struct subscriber *s = *p;
                *p = s->next;
                free(s);
                pthread_mutex_unlock(&subs_lock);
                return 0;
            }
        }
        pthread_mutex_unlock(&subs_lock);
        return SNOW_ENOENT;
    }
    struct subscriber *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SNOW_ENOMEM;
    s->pid = self;
    strcpy(s->node, key);
    pthread_mutex_lock(&subs_lock);
    s->next = subs;
    subs = s;
    pthread_mutex_unlock(&subs_lock);
    /* Erlang: monitoring a node that is not connected gives nodedown at once */
    if (node != NULL) {
        char *names[64];
        int n = snow_node_list(names, 64);
        bool connected = false;
        for (int i = 0; i < n && i < 64; i++) {
            connected |= strcmp(names[i], node) == 0;
            free(names[i]);
        }
        if (!connected) {
            snow_term *msg = snow_tuple(3, snow_atom("nodedown"), snow_atom(node),
                                        snow_atom("noconnection"));
            if (msg) {
                snow_send(self, msg);
                snow_term_release(msg);
            }
        }
    }
    return 0;
}

/* Subscriptions of processes that exited stay until the node stops (a send
 * to a dead pid is harmless). TODO(FT): drop them when the process exits. */
void sk_dist_events_reset(void)
{
    pthread_mutex_lock(&subs_lock);
    while (subs) {
        struct subscriber *s = subs;
        subs = s->next;
        free(s);
    }
    pthread_mutex_unlock(&subs_lock);
}

void sk_dist_node_up(snow_conn *c)
{
    uint16_t slot;
    int rc = sk_node_table_intern(c->peer_name, c->peer_creation, &slot);
    if (rc != 0) {
        sk_dconn_close(c, rc, "node table: %s", snow_strerror(rc));
        return;
    }
    sk_dout_attach(sk_node_table_get(slot), c);
    sk_log(SK_LOG_INFO, "SNOW-NODE-UP", "node %s up (%s, %s)", c->peer_name, c->peer_text,
           c->initiator ? "outbound" : "inbound");
    if (c->peer_listen[0])
        sk_dp_learn(c->peer_name, c->peer_listen);
    sk_dist_send_peers(c);
    sk_dout_flush(c);
    sk_services_node_event(c->peer_name, true, 0);
    events_send_messages(c->peer_name, true, 0);
}

void sk_dist_node_down(snow_conn *c, int code, const char *reason)
{
    if (c->node) {
        sk_dout_detach(c->node);
        sk_ft_node_down(c->node); /* after every frame it sent was delivered */
        sk_dspawn_node_down(c->node); /* spawn calls waiting on it: noconnection */
    }
    sk_log(SK_LOG_INFO, "SNOW-NODE-DOWN", "node %s down: %s", c->peer_name, reason);
    sk_services_node_event(c->peer_name, false, code);
    events_send_messages(c->peer_name, false, code);
}

/* ---- mesh (NODE-06) ---- */

void sk_dist_send_peers(snow_conn *c)
{
    struct sk_buf b = {0};
    uint8_t cnt[2] = {0, 0};
    if (sk_buf_append(&b, cnt, 2) != 0)
        return;
    uint16_t n = 0;
    for (snow_conn *o = sk_dist.conns; o; o = o->next) {
        if (o == c || o->state != SK_CONN_UP || o->peer_listen[0] == '\0')
            continue;
        uint8_t nl = (uint8_t)strlen(o->peer_name), ll = (uint8_t)strlen(o->peer_listen);
        if (sk_buf_append(&b, &nl, 1) || sk_buf_append(&b, o->peer_name, nl) ||
            sk_buf_append(&b, &ll, 1) || sk_buf_append(&b, o->peer_listen, ll))
            break;
        n++;
    }
    sk_put_u16(b.data, n);
    if (c->node)
        sk_dout_frame(c->node, SK_F_PEERS, b.data, b.len, NULL, 0);
    sk_buf_free(&b);
}

/* Connect to every peer we lack (by its listen address; no waiter). */
int sk_dist_on_peers(snow_conn *c, const uint8_t *body, size_t len)
{
    struct sk_reader r;
    sk_reader_init(&r, body, len);
    uint16_t n = sk_read_u16(&r);
    for (uint16_t i = 0; i < n && !r.bad; i++) {
        uint8_t nl = sk_read_u8(&r);
        const uint8_t *name = sk_reader_take(&r, nl);
        uint8_t ll = sk_read_u8(&r);
        const uint8_t *addr = sk_reader_take(&r, ll);
        if (r.bad)
            break;
        char nbuf[SK_NODE_NAME_MAX + 1], abuf[SK_ADDR_MAX];
        memcpy(nbuf, name, nl);
        nbuf[nl] = '\0';
        memcpy(abuf, addr, ll);
        abuf[ll] = '\0';
        struct sk_node_name parsed;
        if (sk_node_name_parse(nbuf, &parsed, NULL, 0) != 0 || parsed.port != 0 ||
            strcmp(nbuf, sk_dist.self.full) == 0 || sk_dconn_find(nbuf, false) != NULL)
            continue;
        sk_dp_learn(nbuf, abuf);
        int rc;
        if (sk_dconn_dial(nbuf, abuf, &rc) == NULL)
            sk_log(SK_LOG_WARN, "SNOW-MESH-DIAL", "cannot dial %s at %s (peer of %s): %s", nbuf,
                   abuf, c->peer_name, snow_strerror(rc));
    }
    if (r.bad) {
        sk_dconn_close(c, SNOW_EPROTO, "malformed peers frame");
        return SNOW_ECLOSED;
    }
    return 0;
}
