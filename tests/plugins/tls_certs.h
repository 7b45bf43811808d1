/* SPDX-License-Identifier: MIT */
/* Test PKI for transport_tls: a CA, two nodes it signed, and a rogue self-signed node, as PEM files. */
#ifndef SNOW_TEST_TLS_CERTS_H
#define SNOW_TEST_TLS_CERTS_H

#include <stdbool.h>
#include <stddef.h>

/* Create a fresh directory under $TMPDIR (or /tmp) holding ca.pem/.key,
 * node1.pem/.key and node2.pem/.key (signed by the CA) and rogue.pem/.key
 * (self-signed, not trusted). The path goes to dir. 0 or -1. */
int tls_certs_make(char *dir, size_t dirlen);
/* Remove what tls_certs_make created. */
void tls_certs_remove(const char *dir);

#endif /* SNOW_TEST_TLS_CERTS_H */
