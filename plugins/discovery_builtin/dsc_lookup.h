/* SPDX-License-Identifier: MIT */
/* Host-name lookups on a helper thread, so the I/O thread never blocks. */
#ifndef DSC_LOOKUP_H
#define DSC_LOOKUP_H

#include <stddef.h>

#include "dsc_net.h"

struct dsc;
struct dsc_lookup;

/* Most addresses kept from one lookup (tried in order), and most lookups
 * in flight per plugin instance. */
#define DSC_LOOKUP_ADDRS 4
#define DSC_LOOKUP_MAX 8

/* Result: 0 with n >= 1 addresses (port already set), SNOW_ENONODE (the
 * name does not exist), or SNOW_EIO (the resolver failed). Runs on the I/O
 * thread. */
typedef void (*dsc_lookup_fn)(void *arg, int code, const struct dsc_sockaddr *addrs, size_t n);

/* Starts getaddrinfo(host) on a thread; fn runs later on the I/O thread
 * (never from inside this call). 0, SNOW_ELIMIT (too many in flight),
 * SNOW_ENOMEM, SNOW_EIO (no thread or eventfd). */
int dsc_lookup_start(struct dsc *d, const char *host, int port, dsc_lookup_fn fn, void *arg,
                     struct dsc_lookup **out);
/* fn will not be called; the thread finishes on its own and is reaped. */
void dsc_lookup_cancel(struct dsc_lookup *lk);
/* fini: waits for every lookup thread still running (a lookup ends within
 * the system resolver's timeout), then frees them. */
void dsc_lookup_shutdown(struct dsc *d);

#endif /* DSC_LOOKUP_H */
