/* SPDX-License-Identifier: MIT */
/* Runtime lifetime: snow_init, snow_shutdown, shared atoms, live count. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "route.h"
#include "scheduler.h"
#include "stack.h"

enum { RT_OFF, RT_STARTING, RT_RUNNING, RT_STOPPING };

_Atomic size_t sk_live;
struct sk_atoms sk_atom;
static _Atomic int rt_state = RT_OFF;
static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rt_cv = PTHREAD_COND_INITIALIZER;

bool sk_runtime_running(void) { return atomic_load(&rt_state) == RT_RUNNING; }

void sk_runtime_proc_gone(void)
{
    if (atomic_fetch_sub(&sk_live, 1) == 1 && atomic_load(&rt_state) == RT_STOPPING) {
        pthread_mutex_lock(&rt_lock);
        pthread_cond_broadcast(&rt_cv);
        pthread_mutex_unlock(&rt_lock);
    }
}

static int runtime_atoms(void)
{
    struct { snow_term **slot; const char *name; } list[] = {
        {&sk_atom.normal, "normal"}, {&sk_atom.kill, "kill"},
        {&sk_atom.killed, "killed"}, {&sk_atom.noproc, "noproc"},
        {&sk_atom.shutdown, "shutdown"}, {&sk_atom.exit, "exit"},
        {&sk_atom.down, "down"}, {&sk_atom.stack_overflow, "stack_overflow"},
        {&sk_atom.nomem, "nomem"}, {&sk_atom.noconnection, "noconnection"},
    };
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if ((*list[i].slot = snow_atom(list[i].name)) == NULL)
            return SNOW_ENOMEM;
    return 0;
}

int snow_init(const struct snow_init_opts *opts)
{
    if (opts && opts->size < sizeof(size_t))
        return SNOW_EINVAL;
    unsigned n = 0;
    size_t ssize = 0;
    if (opts && opts->size >= offsetof(struct snow_init_opts, schedulers) + sizeof(unsigned))
        n = opts->schedulers;
    if (opts && opts->size >= offsetof(struct snow_init_opts, stack_size) + sizeof(size_t))
        ssize = opts->stack_size;
    if (n > SK_SCHED_MAX || (ssize && (ssize < SK_STACK_MIN || ssize > SK_STACK_MAX)))
        return SNOW_EINVAL;
    if (n == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (unsigned)c : 1;
        if (n > SK_SCHED_MAX)
            n = SK_SCHED_MAX;
    }
    int expect = RT_OFF;
    if (!atomic_compare_exchange_strong(&rt_state, &expect, RT_STARTING))
        return SNOW_ESTATE;
    sk_stack_set_default(ssize);
    int rc = runtime_atoms();
    if (rc == 0)
        rc = sk_pid_init();
    atomic_store(&sk_live, 0);
    if (rc == 0)
        rc = sk_sched_start(n);
    if (rc < 0) {
        sk_pid_fini();
        atomic_store(&rt_state, RT_OFF);
        return rc;
    }
    atomic_store(&rt_state, RT_RUNNING);
    return 0;
}

static void runtime_kill_one(struct sk_proc *p, void *ctx)
{
    (void)ctx;
    snow_pid pid = atomic_load(&p->pid);
    int st = atomic_load(&p->state);
    if (pid == SNOW_PID_NONE || st == SK_P_FREE || st >= SK_P_DEAD || p->shutdown_sent == pid)
        return;
    p->shutdown_sent = pid; /* one signal per process, however many passes */
    struct sk_msg *m = sk_msg_new(SK_MSG_EXIT_FORCE, pid, sk_atom.shutdown);
    if (m)
        sk_proc_deliver(pid, m);
}

static void runtime_free_zombie(struct sk_proc *p, void *ctx)
{
    (void)ctx;
    if (atomic_load(&p->state) == SK_P_ZOMBIE) {
        snow_term_release(p->reason);
        p->reason = NULL;
        atomic_store(&p->state, SK_P_FREE);
    }
}

int snow_shutdown(void)
{
    if (sk_proc_self() != NULL)
        return SNOW_ENOTPROC;
    int expect = RT_RUNNING;
    if (!atomic_compare_exchange_strong(&rt_state, &expect, RT_STOPPING))
        return SNOW_ESTATE;
    sk_route_stop(); /* a running node stops first (include/snow/node.h) */
    /* Every process gets an untrappable `shutdown` at its next receive or
     * sleep; repeat for processes that a dying one started meanwhile. */
    while (atomic_load(&sk_live) > 0) {
        sk_pid_each(runtime_kill_one, NULL);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock(&rt_lock);
        if (atomic_load(&sk_live) > 0)
            pthread_cond_timedwait(&rt_cv, &rt_lock, &ts);
        pthread_mutex_unlock(&rt_lock);
    }
    sk_sched_stop();
    sk_pid_each(runtime_free_zombie, NULL);
    sk_pid_fini();
    sk_name_fini();
    sk_stack_fini();
    atomic_store(&rt_state, RT_OFF);
    return 0;
}
