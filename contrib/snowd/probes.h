/* SPDX-License-Identifier: MIT */
/* Console probes for fault-tolerance tests: idle targets, watchers, counters. */
#ifndef SNOWD_PROBES_H
#define SNOWD_PROBES_H

#include <stddef.h>
#include <stdint.h>

/* Counters keyed by text ("monitor:noconnection"), shown by `stats`. */
void probes_count(const char *key);
/* Writes "k=v k=v ..." sorted by key into buf. */
void probes_stats(char *buf, size_t len);

/* Spawns k idle processes that report {idle, Self} to {name, node} and exit
 * with Reason when sent {die, Reason}. */
int probes_idle(unsigned k, const char *name, const char *node);
/* Registers a collector `name` gathering {idle, Pid} reports. */
int probes_collect(const char *name);
size_t probes_collected(void);
/* One watcher per collected pid. mode: "monitor" (counts monitor:<reason>),
 * "linktrap" (traps exits, counts trap:<reason>), "link" (does not trap;
 * its death is counted as killed:<reason>), for collected[from, from+count)
 * (count 0: all from `from`). Waits until all are in place. */
int probes_watch(const char *mode, size_t from, size_t count);
/* Sends {die, reason} to every collected pid (they exit with reason). */
int probes_kill_collected(const char *reason);
/* snow_kill(pid, reason) on every collected pid (an exit signal). */
int probes_signal_collected(const char *reason);
/* A process subscribed to node events of `node`, counting nodedown:<node>. */
int probes_nodemon(const char *node);

#endif /* SNOWD_PROBES_H */
