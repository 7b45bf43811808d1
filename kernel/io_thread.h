/* SPDX-License-Identifier: MIT */
/* The I/O thread: owns the libevent base; every socket and plugin callback runs on it. */
#ifndef SK_IO_THREAD_H
#define SK_IO_THREAD_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;

typedef void (*sk_io_fn)(void *arg);

/* Starts the I/O thread (idempotent while running). 0 or SNOW_ENOMEM. */
int sk_io_start(void);
/* Runs pending jobs, stops the loop and joins the thread. Safe if not started. */
void sk_io_stop(void);
bool sk_io_running(void);
struct event_base *sk_io_base(void);
/* True on the I/O thread itself. */
bool sk_io_on_thread(void);
/* Bytes the I/O thread just moved for a connection (either way): after
 * heavy traffic it sleeps at once instead of polling (io_thread.c). */
void sk_io_note_bytes(size_t n);

/* Queues fn(arg) to run on the I/O thread, in call order (FIFO across all
 * callers). Wakes the loop once per batch: only the push that finds the
 * queue empty signals it. Callable from any thread; on the I/O thread itself
 * the job is queued too (never run re-entrantly). SNOW_ECLOSED if the
 * thread is not running, SNOW_ENOMEM. */
int sk_io_post(sk_io_fn fn, void *arg);

/* Runs fn(arg) on the I/O thread and waits for it to finish. On the I/O
 * thread it runs fn directly. Blocks the calling OS thread: only for short
 * jobs (setup, lookups), never for network waits. */
int sk_io_run_sync(sk_io_fn fn, void *arg);

#endif /* SK_IO_THREAD_H */
