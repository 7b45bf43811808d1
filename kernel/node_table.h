/* SPDX-License-Identifier: MIT */
/* The node table: node slots (the upper 16 bits of a pid) <-> (name, creation). */
#ifndef SK_NODE_TABLE_H
#define SK_NODE_TABLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "idset.h"
#include "lock.h"

struct snow_conn;

/*
 * One entry per node incarnation this node has heard of. Slot 0 is this node.
 * An entry's name and creation never change once published, so pids minted
 * for a node that later restarts (new creation -> new slot) stay dead
 * (FT-05): their slot never gets a connection again.
 *
 * Readers (any thread, on every remote send) take no lock: entries are
 * published with release stores and never freed before sk_node_table_reset.
 */
struct sk_node {
    uint16_t slot;
    uint32_t creation;
    char name[256];                 /* "alive@host" */
    /* The outgoing side, shared by every sending thread: frames are
     * appended to `out` under out_lock and handed to the transport by the
     * I/O thread. `conn` is the live connection (NULL: not connected, and
     * sends fail with SNOW_ENOCONN); it is set and cleared by the I/O
     * thread under out_lock, so a sender never sees a freed connection.
     * A spinlock: held for one memcpy or a buffer swap, and a sleeping
     * mutex made the sender pay a futex wake-up (and often lose its core)
     * whenever the I/O thread came to swap. */
    struct sk_lock out_lock;
    struct sk_buf out;
    bool flush_posted;              /* a flush job is queued on the I/O thread, */
    bool flush_deferred;            /* or will be at a scheduler's slice end */
    atomic_bool busy;               /* out is over the busy limit (read without the lock) */
    struct snow_conn *conn;
    /* What a lost connection must signal (FT-03), under ft_lock:
     * links     (local pid, remote pid, 0)
     * mons_out  (local watcher, remote target, ref)  -> down noconnection
     * mons_in   (local target, remote watcher, ref)  -> dropped */
    pthread_mutex_t ft_lock;
    struct sk_idset links, mons_out, mons_in;
};

#define SK_NODE_SLOTS 65536

/* Sets this node's own identity in slot 0. */
int sk_node_table_set_self(const char *name, uint32_t creation);

/* Finds or adds the slot for (name, creation). SNOW_ELIMIT when all 65535
 * remote slots are used. */
int sk_node_table_intern(const char *name, uint32_t creation, uint16_t *slot);

/* The entry for a slot, or NULL. Lock-free. */
struct sk_node *sk_node_table_get(uint16_t slot);

/* The newest slot known for a name (highest creation seen last), or -1. */
int sk_node_table_find(const char *name);

/* Frees every entry (node stop). Only when no other thread uses the table. */
void sk_node_table_reset(void);

#endif /* SK_NODE_TABLE_H */
