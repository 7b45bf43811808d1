/* SPDX-License-Identifier: MIT */
/* transport_tls internals shared by its files: plugin state and credential set-up. */
#ifndef SNOW_PLUGINS_TLS_H
#define SNOW_PLUGINS_TLS_H

#include <gnutls/gnutls.h>

#include "netio.h"

/* TLS 1.3 only; X25519 first (the cheaper key exchange), then P-256;
 * AES-128-GCM first (the fastest bulk cipher with AES-NI), then the rest. */
#define TLS_DEFAULT_PRIORITY                                                    \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:" \
    "-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"

struct tls_state {
    struct netio_plugin np; /* first: the ops' `state` is used as netio_plugin */
    gnutls_certificate_credentials_t cred;
    gnutls_priority_t prio;
    bool verify;            /* cert/key/ca given: verified mutual TLS */
    long hs_timeout_ms;     /* TLS handshake deadline */
};

/* Build ts->cred and ts->verify from the options: cert, key and ca (all
 * or none). With none, an ephemeral self-signed ECDSA P-256 certificate
 * is generated. Returns 0 or SNOW_ECONFIG / SNOW_ENOMEM / SNOW_EPLUGIN
 * with the reason in errbuf. */
int tls_cred_setup(struct tls_state *ts, const char *cert, const char *key, const char *ca,
                   char *errbuf, size_t errlen);

#endif /* SNOW_PLUGINS_TLS_H */
