/* SPDX-License-Identifier: MIT */
/* snow_join: plain threads waiting for a process's exit reason. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "proc.h"

/* Lives on the joining thread's stack while it waits. */
struct sk_joiner {
    struct sk_joiner *next;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    snow_term *reason;
};

void sk_join_notify(struct sk_joiner *list, snow_term *reason)
{
    while (list) {
        struct sk_joiner *j = list;
        list = j->next; /* j may vanish once done is set */
        pthread_mutex_lock(&j->mu);
        j->reason = snow_term_ref(reason);
        j->done = true;
        pthread_cond_signal(&j->cv);
        pthread_mutex_unlock(&j->mu);
    }
}

static bool join_unqueue(struct sk_proc *p, struct sk_joiner *j)
{
    bool found = false;
    sk_lock_take(&p->lock);
    for (struct sk_joiner **q = &p->joiners; *q; q = &(*q)->next)
        if (*q == j) {
            *q = j->next;
            found = true;
            break;
        }
    sk_lock_give(&p->lock);
    return found;
}

/* Registers j on a live p, or takes a zombie's reason. Returns 1 when j was
 * queued, 0 when *reason was taken from a zombie, or SNOW_ENOPROC. */
static int join_attach(snow_pid pid, struct sk_joiner *j, snow_term **reason)
{
    for (;;) {
        struct sk_proc *p = sk_pid_slot(pid);
        if (p == NULL)
            return SNOW_ENOPROC;
        sk_lock_take(&p->lock);
        if (atomic_load(&p->pid) != pid) {
            sk_lock_give(&p->lock);
            return SNOW_ENOPROC;
        }
        if (p->alive) {
            j->next = p->joiners;
            p->joiners = j;
            sk_lock_give(&p->lock);
            return 1;
        }
        if (atomic_load(&p->state) == SK_P_ZOMBIE) {
            *reason = p->reason;
            p->reason = NULL;
            sk_pid_release(p); /* the zombie is collected exactly once */
            sk_lock_give(&p->lock);
            return 0;
        }
        sk_lock_give(&p->lock);
        sched_yield(); /* exit cleanup in progress: it ends as zombie or free */
    }
}

int snow_join(snow_pid pid, int64_t timeout_ms, snow_term **reason)
{
    if (pid == SNOW_PID_NONE || !snow_pid_is_local(pid))
        return SNOW_EINVAL;
    if (sk_proc_self() != NULL)
        return SNOW_ESTATE; /* a process would block its scheduler: use monitors */
    if (!sk_runtime_running())
        return SNOW_ESTATE;
    struct sk_joiner j = {.done = false, .reason = NULL};
    pthread_mutex_init(&j.mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j.cv, &ca);
    pthread_condattr_destroy(&ca);

    snow_term *r = NULL;
    int rc = join_attach(pid, &j, &r);
    if (rc == 1) {
        struct timespec ts = {0};
        if (timeout_ms >= 0) {
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += timeout_ms / 1000;
            ts.tv_nsec += (timeout_ms % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
        }
        pthread_mutex_lock(&j.mu);
        while (!j.done) {
            if (timeout_ms < 0) {
                pthread_cond_wait(&j.cv, &j.mu);
            } else if (pthread_cond_timedwait(&j.cv, &j.mu, &ts) == ETIMEDOUT && !j.done) {
                pthread_mutex_unlock(&j.mu);
                if (join_unqueue(sk_pid_slot(pid), &j)) {
                    rc = SNOW_ETIMEDOUT;
                    goto out;
                }
                /* The exit is being reported to us right now: wait for it. */
                pthread_mutex_lock(&j.mu);
                timeout_ms = -1;
            }
        }
        pthread_mutex_unlock(&j.mu);
        r = j.reason;
        rc = 0;
    }
out:
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
    if (rc == 0) {
        if (reason)
            *reason = r;
        else
            snow_term_release(r);
    }
    return rc;
}
