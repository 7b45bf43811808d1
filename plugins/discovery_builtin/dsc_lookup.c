/* SPDX-License-Identifier: MIT */
/* Host-name lookups on a helper thread, so the I/O thread never blocks. */
#include "config.h"

#include "dsc_lookup.h"

#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dsc.h"

/*
 * The thread touches only its own struct's host/port/result fields and then
 * signals the eventfd; the I/O thread joins it before reading the result
 * (pthread_join orders the two). The plugin's code must stay mapped while
 * the thread runs, hence fini joins every thread still running rather
 * than detaching it.
 */
struct dsc_lookup {
    struct dsc *d;
    struct dsc_lookup *prev, *next;
    pthread_t th;
    int efd;
    uint64_t watch;
    dsc_lookup_fn fn; /* NULL once cancelled; read on the I/O thread only */
    void *arg;
    char host[DSC_HOST_MAX + 1];
    int port;
    int code;
    size_t n;
    struct dsc_sockaddr addrs[DSC_LOOKUP_ADDRS];
};

static void *lookup_main(void *arg)
{
    struct dsc_lookup *lk = arg;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    char port[8];
    uint64_t one = 1;

    snprintf(port, sizeof port, "%d", lk->port);
    int rc = getaddrinfo(lk->host, port, &hints, &res);
    if (rc == 0) {
        for (ai = res; ai && lk->n < DSC_LOOKUP_ADDRS; ai = ai->ai_next)
            if (ai->ai_addrlen <= sizeof lk->addrs[0].ss &&
                (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)) {
                memcpy(&lk->addrs[lk->n].ss, ai->ai_addr, ai->ai_addrlen);
                lk->addrs[lk->n++].len = ai->ai_addrlen;
            }
        freeaddrinfo(res);
    }
    lk->code = lk->n > 0                                  ? 0
               : (rc == 0 || rc == EAI_NONAME || rc == EAI_NODATA) ? SNOW_ENONODE
                                                                  : SNOW_EIO;
    (void)!write(lk->efd, &one, sizeof one);
    return NULL;
}

static void lookup_unlink(struct dsc_lookup *lk)
{
    struct dsc *d = lk->d;
    if (lk->prev)
        lk->prev->next = lk->next;
    else
        d->lookups = lk->next;
    if (lk->next)
        lk->next->prev = lk->prev;
    d->nlookups--;
}

/* Joins, unlinks and frees lk. */
static void lookup_reap(struct dsc_lookup *lk)
{
    struct dsc *d = lk->d;
    d->svc->fd_unwatch(d->ctx, lk->watch);
    pthread_join(lk->th, NULL);
    close(lk->efd);
    lookup_unlink(lk);
    free(lk);
}

static void lookup_ready(void *arg, int fd, unsigned ready)
{
    struct dsc_lookup *lk = arg;
    struct dsc *d = lk->d;
    struct dsc_sockaddr addrs[DSC_LOOKUP_ADDRS];
    dsc_lookup_fn fn = lk->fn;
    void *fnarg = lk->arg;

    /* The thread wrote the eventfd as its last act: this join is short. */
    pthread_join(lk->th, NULL);
    int code = lk->code;
    size_t n = lk->n;
    memcpy(addrs, lk->addrs, sizeof addrs);
    d->svc->fd_unwatch(d->ctx, lk->watch);
    close(lk->efd);
    lookup_unlink(lk);
    free(lk);
    if (fn)
        fn(fnarg, code, addrs, n);
}

int dsc_lookup_start(struct dsc *d, const char *host, int port, dsc_lookup_fn fn, void *arg,
                     struct dsc_lookup **out)
{
    if (d->nlookups >= DSC_LOOKUP_MAX)
        return SNOW_ELIMIT;
    struct dsc_lookup *lk = calloc(1, sizeof *lk);
    if (!lk)
        return SNOW_ENOMEM;
    lk->d = d;
    lk->fn = fn;
    lk->arg = arg;
    lk->port = port;
    snprintf(lk->host, sizeof lk->host, "%s", host);
    lk->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (lk->efd < 0) {
        free(lk);
        return SNOW_EIO;
    }
    if (d->svc->fd_watch(d->ctx, lk->efd, SNOW_FD_READ, lookup_ready, lk, &lk->watch) != 0) {
        close(lk->efd);
        free(lk);
        return SNOW_ENOMEM;
    }
    if (pthread_create(&lk->th, NULL, lookup_main, lk) != 0) {
        d->svc->fd_unwatch(d->ctx, lk->watch);
        close(lk->efd);
        free(lk);
        return SNOW_EIO;
    }
    lk->next = d->lookups;
    if (d->lookups)
        d->lookups->prev = lk;
    d->lookups = lk;
    d->nlookups++;
    *out = lk;
    return 0;
}

void dsc_lookup_cancel(struct dsc_lookup *lk)
{
    lk->fn = NULL;
}

void dsc_lookup_shutdown(struct dsc *d)
{
    while (d->lookups)
        lookup_reap(d->lookups);
}
