/* SPDX-License-Identifier: MIT */
/* A man in the middle for tests: terminates TLS with its own certificate. */
#include "relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

struct relay {
    int lfd, target_port;
    bool tls;
    atomic_bool stop;
    pthread_t thread;
    gnutls_certificate_credentials_t server_cred, client_cred;
};

/* A self-signed ECDSA P-256 certificate: what a relay would present. */
static int relay_make_cred(gnutls_certificate_credentials_t *cred)
{
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    if (gnutls_x509_privkey_init(&key) < 0)
        return -1;
    if (gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
        gnutls_x509_crt_init(&crt) < 0) {
        gnutls_x509_privkey_deinit(key);
        return -1;
    }
    unsigned char serial[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    time_t now = time(NULL);
    gnutls_x509_crt_set_version(crt, 3);
    gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    gnutls_x509_crt_set_activation_time(crt, now - 60);
    gnutls_x509_crt_set_expiration_time(crt, now + 3600);
    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "relay", 5);
    gnutls_x509_crt_set_key(crt, key);
    int rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
    if (rc >= 0)
        rc = gnutls_certificate_allocate_credentials(cred);
    if (rc >= 0)
        rc = gnutls_certificate_set_x509_key(*cred, &crt, 1, key);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    return rc < 0 ? -1 : 0;
}

static int relay_connect(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static gnutls_session_t relay_session(struct relay *r, int fd, bool server)
{
    gnutls_session_t s;
    if (gnutls_init(&s, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NO_SIGNAL) < 0)
        return NULL;
    gnutls_set_default_priority(s);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, server ? r->server_cred : r->client_cred);
    if (server)
        gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
    gnutls_transport_set_int(s, fd);
    gnutls_handshake_set_timeout(s, 5000);
    int rc;
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc < 0) {
        gnutls_deinit(s);
        return NULL;
    }
    return s;
}

/* Reads from one side (TLS or raw) and writes to the other; false at EOF. */
static bool relay_copy(gnutls_session_t from_s, int from_fd, gnutls_session_t to_s, int to_fd)
{
    char buf[16384];
    ssize_t n = from_s ? gnutls_record_recv(from_s, buf, sizeof buf) : read(from_fd, buf, sizeof buf);
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        return true;
    if (n <= 0)
        return false;
    ssize_t off = 0;
    while (off < n) {
        ssize_t w = to_s ? gnutls_record_send(to_s, buf + off, (size_t)(n - off))
                         : send(to_fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        off += w;
    }
    return true;
}

static void *relay_main(void *arg)
{
    struct relay *r = arg;
    struct pollfd lp = {.fd = r->lfd, .events = POLLIN};
    while (!atomic_load(&r->stop) && poll(&lp, 1, 100) == 0)
        ;
    if (atomic_load(&r->stop))
        return NULL;
    int cfd = accept(r->lfd, NULL, NULL);
    int tfd = cfd >= 0 ? relay_connect(r->target_port) : -1;
    gnutls_session_t cs = NULL, ts = NULL;
    if (tfd >= 0 && r->tls) {
        cs = relay_session(r, cfd, true);
        ts = cs ? relay_session(r, tfd, false) : NULL;
    }
    if (tfd >= 0 && (!r->tls || (cs && ts))) {
        struct pollfd p[2] = {{.fd = cfd, .events = POLLIN}, {.fd = tfd, .events = POLLIN}};
        while (!atomic_load(&r->stop)) {
            bool pend_c = cs && gnutls_record_check_pending(cs) > 0;
            bool pend_t = ts && gnutls_record_check_pending(ts) > 0;
            if (!pend_c && !pend_t && poll(p, 2, 100) <= 0)
                continue;
            if ((pend_c || (p[0].revents & (POLLIN | POLLHUP))) && !relay_copy(cs, cfd, ts, tfd))
                break;
            if ((pend_t || (p[1].revents & (POLLIN | POLLHUP))) && !relay_copy(ts, tfd, cs, cfd))
                break;
            p[0].revents = p[1].revents = 0;
        }
    }
    if (cs)
        gnutls_deinit(cs);
    if (ts)
        gnutls_deinit(ts);
    if (cfd >= 0)
        close(cfd);
    if (tfd >= 0)
        close(tfd);
    return NULL;
}

struct relay *relay_start(int target_port, bool tls, int *port)
{
    struct relay *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->target_port = target_port;
    r->tls = tls;
    if (tls && (relay_make_cred(&r->server_cred) != 0 ||
                gnutls_certificate_allocate_credentials(&r->client_cred) < 0)) {
        free(r);
        return NULL;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    socklen_t sl = sizeof sa;
    r->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (r->lfd < 0 || bind(r->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(r->lfd, 4) != 0 || getsockname(r->lfd, (struct sockaddr *)&sa, &sl) != 0 ||
        pthread_create(&r->thread, NULL, relay_main, r) != 0) {
        relay_stop(r);
        return NULL;
    }
    *port = ntohs(sa.sin_port);
    return r;
}

void relay_stop(struct relay *r)
{
    if (r == NULL)
        return;
    atomic_store(&r->stop, true);
    if (r->thread)
        pthread_join(r->thread, NULL);
    if (r->lfd >= 0)
        close(r->lfd);
    if (r->server_cred)
        gnutls_certificate_free_credentials(r->server_cred);
    if (r->client_cred)
        gnutls_certificate_free_credentials(r->client_cred);
    free(r);
}
