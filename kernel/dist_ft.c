/* SPDX-License-Identifier: MIT */
/* Fault tolerance across nodes: tracking remote links and monitors, noconnection. */
#include "dist_ft.h"

#include <stdlib.h>
#include <string.h>

#include <snow/term.h>

#include "io_thread.h"
#include "log.h"
#include "route.h"

static struct sk_idset *ft_set(struct sk_node *n, enum sk_ft_set set)
{
    return set == SK_FT_LINKS ? &n->links : set == SK_FT_MONS_OUT ? &n->mons_out : &n->mons_in;
}

void sk_ft_add(struct sk_node *n, enum sk_ft_set set, uint64_t a, uint64_t b, uint64_t c)
{
    pthread_mutex_lock(&n->ft_lock);
    if (sk_idset_add(ft_set(n, set), (struct sk_idkey){a, b, c}) != 0)
        sk_log(SK_LOG_ERROR, "SNOW-FT-NOMEM", "out of memory tracking a link/monitor with %s",
               n->name);
    pthread_mutex_unlock(&n->ft_lock);
}

bool sk_ft_remove(struct sk_node *n, enum sk_ft_set set, uint64_t a, uint64_t b, uint64_t c)
{
    pthread_mutex_lock(&n->ft_lock);
    bool had = sk_idset_remove(ft_set(n, set), (struct sk_idkey){a, b, c});
    pthread_mutex_unlock(&n->ft_lock);
    return had;
}

void sk_ft_node_down(struct sk_node *n)
{
    size_t nl, nmo, nmi;
    pthread_mutex_lock(&n->ft_lock);
    struct sk_idkey *links = sk_idset_take_all(&n->links, &nl);
    struct sk_idkey *mo = sk_idset_take_all(&n->mons_out, &nmo);
    struct sk_idkey *mi = sk_idset_take_all(&n->mons_in, &nmi);
    pthread_mutex_unlock(&n->ft_lock);
    for (size_t i = 0; i < nl; i++)
        sk_deliver_exit(links[i].b, links[i].a, snow_atom("noconnection"), true);
    for (size_t i = 0; i < nmo; i++)
        sk_deliver_down(mo[i].a, mo[i].c, mo[i].b, snow_atom("noconnection"));
    for (size_t i = 0; i < nmi; i++)
        sk_monitor_remove_remote(mi[i].a, mi[i].b, mi[i].c);
    free(links);
    free(mo);
    free(mi);
}

/* noproc if the pid's node name has a live connection of another creation. */
static const char *ft_unreachable_reason(snow_pid remote)
{
    struct sk_node *n = sk_node_table_get((uint16_t)snow_pid_node(remote));
    if (n == NULL)
        return "noconnection";
    int newest = sk_node_table_find(n->name);
    struct sk_node *live = newest >= 0 ? sk_node_table_get((uint16_t)newest) : NULL;
    bool connected = false;
    if (live && live != n) {
        sk_lock_take(&live->out_lock);
        connected = live->conn != NULL;
        sk_lock_give(&live->out_lock);
    }
    return connected ? "noproc" : "noconnection";
}

struct ft_job {
    bool monitor;
    snow_pid local, remote;
    snow_ref ref;
};

static void ft_answer_job(void *arg)
{
    struct ft_job *j = arg;
    snow_term *reason = snow_atom(ft_unreachable_reason(j->remote));
    if (j->monitor)
        sk_deliver_down(j->local, j->ref, j->remote, reason);
    else
        sk_deliver_exit(j->remote, j->local, reason, true);
    free(j);
}

static void ft_post(bool monitor, snow_pid local, snow_pid remote, snow_ref ref)
{
    struct ft_job *j = malloc(sizeof *j);
    if (j == NULL)
        return;
    *j = (struct ft_job){monitor, local, remote, ref};
    if (sk_io_post(ft_answer_job, j) != 0)
        free(j);
}

void sk_ft_link_unreachable(snow_pid local, snow_pid remote)
{
    ft_post(false, local, remote, 0);
}

void sk_ft_monitor_unreachable(snow_pid watcher, snow_pid target, snow_ref ref)
{
    ft_post(true, watcher, target, ref);
}
