/* SPDX-License-Identifier: MIT */
/* Fault tolerance across nodes: tracking remote links and monitors, noconnection. */
#ifndef SK_DIST_FT_H
#define SK_DIST_FT_H

#include <stdbool.h>

#include <snow/types.h>

#include "node_table.h"

enum sk_ft_set { SK_FT_LINKS, SK_FT_MONS_OUT, SK_FT_MONS_IN };

/* Record / forget a link or monitor with a process on node n (any thread). */
void sk_ft_add(struct sk_node *n, enum sk_ft_set set, uint64_t a, uint64_t b, uint64_t c);
bool sk_ft_remove(struct sk_node *n, enum sk_ft_set set, uint64_t a, uint64_t b, uint64_t c);

/* The connection to n is gone (I/O thread): every link gets exit
 * noconnection, every monitor down noconnection, remote monitors of local
 * processes are dropped. Exactly once each: the sets are emptied. */
void sk_ft_node_down(struct sk_node *n);

/* A link or monitor towards a pid whose node has no connection: answered at
 * once (from the I/O thread, never inside the caller's runtime call) with
 * noproc when the pid belongs to a dead incarnation of a connected node,
 * else noconnection (FT-05, FT-03). */
void sk_ft_link_unreachable(snow_pid local, snow_pid remote);
void sk_ft_monitor_unreachable(snow_pid watcher, snow_pid target, snow_ref ref);

#endif /* SK_DIST_FT_H */
