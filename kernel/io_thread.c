/* SPDX-License-Identifier: MIT */
/* The I/O thread: owns the libevent base; every socket and plugin callback runs on it. */
#include "io_thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdlib.h>

#include <event2/event.h>
#include <event2/thread.h>

#include <snow/error.h>

#include "mailbox.h"
#include "scheduler.h"
#include "timer.h"

struct io_job {
    struct io_job *next;
    sk_io_fn fn;
    void *arg;
};

static struct {
    pthread_mutex_t lock;          /* guards head/tail/running */
    struct io_job *head, *tail;
    bool running;
    bool stopping;
    pthread_t thread;
    struct event_base *base;
    struct event *wake;            /* activated once per batch of posts */
} io = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local bool on_io_thread __attribute__((tls_model("initial-exec")));
static pthread_once_t evthread_once = PTHREAD_ONCE_INIT;

static void io_enable_threads(void)
{
    evthread_use_pthreads();
}

/* Takes the whole queue under the lock, runs it outside: a job may post more
 * jobs (they run in the next batch, after another wake). */
static void io_drain(evutil_socket_t fd, short what, void *unused)
{
    pthread_mutex_lock(&io.lock);
    struct io_job *job = io.head;
    io.head = io.tail = NULL;
    bool stopping = io.stopping;
    pthread_mutex_unlock(&io.lock);
    while (job) {
        struct io_job *next = job->next;
        job->fn(job->arg);
        free(job);
        job = next;
    }
    if (stopping) /* the stop job was in this batch: nothing can follow it */
        event_base_loopbreak(io.base);
}

/* After light traffic the loop polls (yielding the core between polls) for
 * IO_SPIN_NS before it sleeps in epoll again, as the schedulers spin before
 * they park: in a request/reply exchange the next frame or flush job comes
 * within microseconds, and being awake for it saves the wake-up (measured,
 * remote ping-pong p50, 2 vCPUs: TLS 130 -> 101 us unpinned, 101 -> 73 us
 * with both nodes on one CPU). After heavy traffic (IO_SPIN_BYTES moved)
 * it does not: there the polling took the core from the threads doing the
 * work (64 KiB messages: 1,100 -> 730 MB/s). An idle node sleeps. */
#define IO_SPIN_NS 20000u
#define IO_SPIN_BYTES (16u << 10)

static size_t io_bytes; /* moved since the loop last woke; I/O thread only */

void sk_io_note_bytes(size_t n) { io_bytes += n; }

static void io_spin(void)
{
    uint64_t until = sk_now_ns() + IO_SPIN_NS;
    /* only after some traffic, and light: other wake-ups (timers, a
     * transport draining its queue) are not a sign of a reply coming */
    while (io_bytes > 0 && io_bytes < IO_SPIN_BYTES && !event_base_got_break(io.base) &&
           sk_now_ns() < until) {
        event_base_loop(io.base, EVLOOP_NONBLOCK);
        sched_yield();
    }
}

static void *io_main(void *unused)
{
    (void)unused;
    on_io_thread = true;
    sk_sched_io_pool_enter(); /* it delivers every remote message */
    while (!event_base_got_break(io.base)) {
        io_bytes = 0;
        event_base_loop(io.base, EVLOOP_ONCE | EVLOOP_NO_EXIT_ON_EMPTY);
        io_spin();
    }
    sk_msg_pool_leave();
    on_io_thread = false;
    return NULL;
}

int sk_io_start(void)
{
    pthread_once(&evthread_once, io_enable_threads);
    pthread_mutex_lock(&io.lock);
    if (io.running) {
        pthread_mutex_unlock(&io.lock);
        return 0;
    }
    io.base = event_base_new();
    io.wake = io.base ? event_new(io.base, -1, 0, io_drain, NULL) : NULL;
    io.stopping = false;
    if (io.wake == NULL || pthread_create(&io.thread, NULL, io_main, NULL) != 0) {
        if (io.wake)
            event_free(io.wake);
        if (io.base)
            event_base_free(io.base);
        io.base = NULL;
        io.wake = NULL;
        pthread_mutex_unlock(&io.lock);
        return SNOW_ENOMEM;
    }
    io.running = true;
    pthread_mutex_unlock(&io.lock);
    return 0;
}

bool sk_io_running(void)
{
    pthread_mutex_lock(&io.lock);
    bool r = io.running;
    pthread_mutex_unlock(&io.lock);
    return r;
}

struct event_base *sk_io_base(void)
{
    return io.base;
}

bool sk_io_on_thread(void)
{
    return on_io_thread;
}

static int io_push(struct io_job *job, bool stop)
{
    pthread_mutex_lock(&io.lock);
    if (!io.running || io.stopping) {
        pthread_mutex_unlock(&io.lock);
        return SNOW_ECLOSED;
    }
    bool was_empty = io.head == NULL;
    if (io.tail)
        io.tail->next = job;
    else
        io.head = job;
    io.tail = job;
    if (stop)
        io.stopping = true;
    if (was_empty)
        event_active(io.wake, EV_READ, 1);
    pthread_mutex_unlock(&io.lock);
    return 0;
}

int sk_io_post(sk_io_fn fn, void *arg)
{
    struct io_job *job = malloc(sizeof *job);
    if (job == NULL)
        return SNOW_ENOMEM;
    job->next = NULL;
    job->fn = fn;
    job->arg = arg;
    int rc = io_push(job, false);
    if (rc != 0)
        free(job);
    return rc;
}

struct io_sync {
    sk_io_fn fn;
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
};

static void io_sync_run(void *p)
{
    struct io_sync *s = p;
    s->fn(s->arg);
    pthread_mutex_lock(&s->lock);
    s->done = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

int sk_io_run_sync(sk_io_fn fn, void *arg)
{
    if (on_io_thread) {
        fn(arg);
        return 0;
    }
    struct io_sync s = {.fn = fn, .arg = arg, .done = false};
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.cond, NULL);
    int rc = sk_io_post(io_sync_run, &s);
    if (rc == 0) {
        pthread_mutex_lock(&s.lock);
        while (!s.done)
            pthread_cond_wait(&s.cond, &s.lock);
        pthread_mutex_unlock(&s.lock);
    }
    pthread_cond_destroy(&s.cond);
    pthread_mutex_destroy(&s.lock);
    return rc;
}

static void io_noop(void *unused)
{
}

void sk_io_stop(void)
{
    struct io_job *job = calloc(1, sizeof *job);
    if (job == NULL)
        return; /* cannot happen in practice; the thread keeps running */
    job->fn = io_noop;
    if (io_push(job, true) != 0) {
        free(job);
        return;
    }
    pthread_join(io.thread, NULL);
    pthread_mutex_lock(&io.lock);
    /* jobs posted after the stop job are refused (stopping), so the queue is empty */
    event_free(io.wake);
    event_base_free(io.base);
    io.wake = NULL;
    io.base = NULL;
    io.running = false;
    io.stopping = false;
    pthread_mutex_unlock(&io.lock);
}
