/* SPDX-License-Identifier: MIT */
/* Test PKI for transport_tls: a CA, two nodes it signed, and a rogue self-signed node, as PEM files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls_certs.h"

static int certs_write(const char *dir, const char *name, const gnutls_datum_t *d)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    size_t n = fwrite(d->data, 1, d->size, f);
    return (fclose(f) == 0 && n == d->size) ? 0 : -1;
}

/* Make a key and a certificate for `cn`, signed by (ca, cakey), or
 * self-signed when ca is NULL; write <base>.pem and <base>.key. */
static int certs_make(const char *dir, const char *base, const char *cn, bool is_ca,
                      gnutls_x509_crt_t ca, gnutls_x509_privkey_t cakey,
                      gnutls_x509_crt_t *crt_out, gnutls_x509_privkey_t *key_out)
{
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    gnutls_x509_privkey_init(&key);
    gnutls_x509_crt_init(&crt);
    int rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    unsigned char serial[8];
    gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
    serial[0] &= 0x7f;
    time_t now = time(NULL);
    /* OR-ing the codes: any failure (negative) leaves rc non-zero. */
    if (rc == 0)
        rc = gnutls_x509_crt_set_version(crt, 3) | gnutls_x509_crt_set_serial(crt, serial, 8) |
             gnutls_x509_crt_set_activation_time(crt, now - 3600) |
             gnutls_x509_crt_set_expiration_time(crt, now + 86400) |
             gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                           (unsigned)strlen(cn)) |
             gnutls_x509_crt_set_key(crt, key) |
             gnutls_x509_crt_set_basic_constraints(crt, is_ca ? 1 : 0, -1) |
             gnutls_x509_crt_set_key_usage(crt, is_ca ? GNUTLS_KEY_KEY_CERT_SIGN
                                                      : GNUTLS_KEY_DIGITAL_SIGNATURE);
    if (rc == 0)
        rc = gnutls_x509_crt_sign2(crt, ca ? ca : crt, ca ? cakey : key, GNUTLS_DIG_SHA256, 0);
    gnutls_datum_t pem = {NULL, 0};
    char name[128];
    if (rc == 0 && (rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem)) == 0) {
        snprintf(name, sizeof name, "%s.pem", base);
        rc = certs_write(dir, name, &pem);
        gnutls_free(pem.data);
    }
    if (rc == 0 && (rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &pem)) == 0) {
        snprintf(name, sizeof name, "%s.key", base);
        rc = certs_write(dir, name, &pem);
        gnutls_free(pem.data);
    }
    if (rc == 0 && crt_out) {
        *crt_out = crt;
        *key_out = key;
    } else {
        gnutls_x509_crt_deinit(crt);
        gnutls_x509_privkey_deinit(key);
    }
    return rc;
}

int tls_certs_make(char *dir, size_t dirlen)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, dirlen, "%s/snow-tls-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        return -1;
    gnutls_x509_crt_t ca;
    gnutls_x509_privkey_t cakey;
    if (certs_make(dir, "ca", "snow test CA", true, NULL, NULL, &ca, &cakey) != 0)
        return -1;
    int rc = certs_make(dir, "node1", "node1", false, ca, cakey, NULL, NULL);
    if (rc == 0)
        rc = certs_make(dir, "node2", "node2", false, ca, cakey, NULL, NULL);
    if (rc == 0)
        rc = certs_make(dir, "rogue", "rogue", false, NULL, NULL, NULL, NULL);
    gnutls_x509_crt_deinit(ca);
    gnutls_x509_privkey_deinit(cakey);
    return rc == 0 ? 0 : -1;
}

void tls_certs_remove(const char *dir)
{
    static const char *const files[] = {"ca.pem",    "ca.key",    "node1.pem", "node1.key",
                                        "node2.pem", "node2.key", "rogue.pem", "rogue.key"};
    char path[512];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    remove(dir);
}
