/* SPDX-License-Identifier: MIT */
/* Snow's basic identifier types: process ids and references. */
#ifndef SNOW_TYPES_H
#define SNOW_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A process id: 64 bits. The upper 16 bits are the node slot (0 = this node,
 * MSG-01), the lower 48 bits the process's local id on that node. Slots are
 * local to each node: on the wire a pid travels as node name + creation +
 * local id, never as a raw slot.
 *
 * Locality is one shift and compare: snow_pid_is_local(). 0 is never a valid
 * pid (SNOW_PID_NONE).
 */
typedef uint64_t snow_pid;

/*
 * A reference (monitor refs, request/reply tags): unique across the cluster.
 * Same layout as a pid: node slot in the upper 16 bits, a per-node-incarnation
 * counter below. 0 is never a valid ref.
 */
typedef uint64_t snow_ref;

#define SNOW_PID_NONE ((snow_pid)0)
#define SNOW_REF_NONE ((snow_ref)0)
#define SNOW_NODE_SHIFT 48
#define SNOW_LOCAL_MASK ((UINT64_C(1) << SNOW_NODE_SHIFT) - 1)

static inline unsigned snow_pid_node(snow_pid pid) { return (unsigned)(pid >> SNOW_NODE_SHIFT); }
static inline int snow_pid_is_local(snow_pid pid) { return (pid >> SNOW_NODE_SHIFT) == 0; }

/* Timeouts are in milliseconds; SNOW_INFINITY waits forever, 0 polls. */
#define SNOW_INFINITY (-1)

#ifdef __cplusplus
}
#endif
#endif /* SNOW_TYPES_H */
