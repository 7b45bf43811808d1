/* SPDX-License-Identifier: MIT */
/* snowd's built-in services: echo, ping, the node-event logger, test sinks. */
#ifndef SNOWD_SERVICES_H
#define SNOWD_SERVICES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <snow/snow.h>

/* Serialised writes of whole lines to stdout (threads share it). */
void snowd_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Starts "echo" ({From, Msg} -> Msg back to From) and "ping"
 * ({ping, From} -> {pong, Node}) registered under those names. */
int snowd_start_services(void);

/* A process subscribed to every node's up/down that prints
 * "EVENT nodeup <node>" / "EVENT nodedown <node> <reason>" and logs them. */
int snowd_start_node_logger(void);

/* A counting sink registered as `name`: accepts {Seq, Payload} messages,
 * counts them, the ones whose Seq is not the previous + 1 (per-pair
 * order, MSG-07), and the payloads whose bytes are not blast's pattern
 * (snowd_blast_byte). */
struct snowd_sink {
    char name[64];
    atomic_ullong count;
    atomic_ullong out_of_order;
    atomic_ullong bytes;
    atomic_ullong corrupt;
};

/* Byte i of every blast payload. */
static inline unsigned char snowd_blast_byte(size_t i) { return (unsigned char)(i * 7 + i / 251); }
int snowd_sink_start(const char *name, struct snowd_sink **out);
struct snowd_sink *snowd_sink_find(const char *name);

/* Spawns a sender that sends count messages {Seq, <<size bytes>>} to
 * {name, node} and prints "EVENT blast_done <name> <count> <ms>". */
int snowd_blast(const char *name, const char *node, uint64_t count, uint32_t size);

#endif /* SNOWD_SERVICES_H */
