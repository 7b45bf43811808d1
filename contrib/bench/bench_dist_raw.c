/* SPDX-License-Identifier: MIT */
/* bench_dist raw baselines: blocking TCP ping-pong and batched TLS throughput, two processes. */
#include "bench_dist.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define RAW_MSG 32          /* bytes per message, as in shared/bench/LIMITS.md */
#define RAW_RECORD 16384    /* TLS record payload: 512 messages */
/* transport_tls's default priority: Snow nodes end up on TLS_AES_256_GCM_SHA384
 * with an ephemeral ECDSA P-256 certificate, and so does this baseline. */
#define RAW_TLS_PRIO "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1"

/* A connected loopback TCP pair: *srv for the child, *cli for the parent. */
static void raw_pair(int *srv, int *cli)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&sa, &sl) != 0)
        bd_fail("raw: listen");
    *cli = socket(AF_INET, SOCK_STREAM, 0);
    if (*cli < 0 || connect(*cli, (struct sockaddr *)&sa, sizeof sa) != 0)
        bd_fail("raw: connect");
    *srv = accept(l, NULL, NULL);
    if (*srv < 0)
        bd_fail("raw: accept");
    close(l);
    int one = 1;
    setsockopt(*srv, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(*cli, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void raw_full(int fd, void *buf, size_t n, bool wr)
{
    for (size_t o = 0; o < n;) {
        ssize_t r = wr ? write(fd, (char *)buf + o, n - o) : read(fd, (char *)buf + o, n - o);
        if (r <= 0)
            bd_fail("raw: %s", wr ? "write" : "read");
        o += (size_t)r;
    }
}

static void raw_wait_child(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        bd_fail("raw: child failed");
}

/* ---- TCP ping-pong: the parent sends, the child echoes ---- */

int bd_raw_tcp_main(const struct bd_args *a)
{
    long trips = a->count > 0 ? a->count : 100000;
    int srv, cli;
    raw_pair(&srv, &cli);
    char buf[RAW_MSG];
    memset(buf, 'p', sizeof buf);
    long total = 2000 + trips * a->reps;
    pid_t pid = fork();
    if (pid < 0)
        bd_fail("raw: fork");
    if (pid == 0) {
        close(cli);
        for (long i = 0; i < total; i++) {
            raw_full(srv, buf, sizeof buf, false);
            raw_full(srv, buf, sizeof buf, true);
        }
        _exit(0);
    }
    close(srv);
    for (long i = 0; i < 2000; i++) { /* warm-up */
        raw_full(cli, buf, sizeof buf, true);
        raw_full(cli, buf, sizeof buf, false);
    }
    int64_t *lat = malloc(sizeof *lat * (size_t)trips);
    if (lat == NULL)
        bd_fail("raw: out of memory");
    char row[256];
    for (int r = 0; r < a->reps; r++) {
        int64_t start = bd_now_ns();
        for (long i = 0; i < trips; i++) {
            int64_t t0 = bd_now_ns();
            raw_full(cli, buf, sizeof buf, true);
            raw_full(cli, buf, sizeof buf, false);
            lat[i] = bd_now_ns() - t0;
        }
        double s = (double)(bd_now_ns() - start) / 1e9;
        snprintf(row, sizeof row, "R3 raw TCP %s ping-pong", a->label);
        bd_sample(row, "round-trips/s", (double)trips / s);
        snprintf(row, sizeof row, "R3 raw TCP %s ping-pong p50", a->label);
        bd_sample(row, "us", bd_pct(lat, (size_t)trips, 0.50) / 1e3);
        snprintf(row, sizeof row, "R3 raw TCP %s ping-pong p99", a->label);
        bd_sample(row, "us", bd_pct(lat, (size_t)trips, 0.99) / 1e3);
    }
    free(lat);
    close(cli);
    raw_wait_child(pid);
    return 0;
}

/* ---- batched TLS: the parent sends 32 B messages in 16 KiB records ---- */

/* An ephemeral self-signed ECDSA P-256 certificate for the server side. */
static gnutls_certificate_credentials_t raw_tls_cred(void)
{
    gnutls_certificate_credentials_t cred;
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    unsigned char serial[8] = {1};
    time_t now = time(NULL);
    if (gnutls_certificate_allocate_credentials(&cred) != 0 ||
        gnutls_x509_privkey_init(&key) != 0 || gnutls_x509_crt_init(&crt) != 0 ||
        gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) != 0 ||
        gnutls_x509_crt_set_version(crt, 3) != 0 ||
        gnutls_x509_crt_set_serial(crt, serial, sizeof serial) != 0 ||
        gnutls_x509_crt_set_activation_time(crt, now - 60) != 0 ||
        gnutls_x509_crt_set_expiration_time(crt, now + 86400) != 0 ||
        gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "bench", 5) != 0 ||
        gnutls_x509_crt_set_key(crt, key) != 0 ||
        gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) != 0 ||
        gnutls_certificate_set_x509_key(cred, &crt, 1, key) != 0)
        bd_fail("raw-tls: cannot make a certificate");
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    return cred;
}

static gnutls_session_t raw_tls_session(int fd, bool server)
{
    gnutls_session_t s;
    gnutls_certificate_credentials_t cred;
    const char *bad;
    int rc = gnutls_init(&s, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NO_SIGNAL);
    if (rc == 0)
        rc = gnutls_priority_set_direct(s, RAW_TLS_PRIO, &bad);
    if (rc == 0 && server) {
        rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, raw_tls_cred());
    } else if (rc == 0) {
        gnutls_certificate_allocate_credentials(&cred); /* no verification: loopback bench */
        rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    }
    if (rc != 0)
        bd_fail("raw-tls: session setup: %s", gnutls_strerror(rc));
    gnutls_transport_set_int(s, fd);
    do
        rc = gnutls_handshake(s);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc < 0)
        bd_fail("raw-tls: handshake: %s", gnutls_strerror(rc));
    return s;
}

static void raw_tls_io(gnutls_session_t s, void *buf, size_t n, bool wr)
{
    for (size_t o = 0; o < n;) {
        ssize_t r = wr ? gnutls_record_send(s, (char *)buf + o, n - o)
                       : gnutls_record_recv(s, (char *)buf + o, n - o);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
            continue;
        if (r <= 0)
            bd_fail("raw-tls: %s: %s", wr ? "send" : "recv", gnutls_strerror((int)r));
        o += (size_t)r;
    }
}

/* Receives `bytes` of whatever record sizes arrive, then acks with one byte. */
static void raw_tls_sink(gnutls_session_t s, size_t bytes)
{
    static char buf[65536];
    for (size_t got = 0; got < bytes;) {
        size_t want = bytes - got < sizeof buf ? bytes - got : sizeof buf;
        ssize_t r = gnutls_record_recv(s, buf, want);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
            continue;
        if (r <= 0)
            bd_fail("raw-tls: recv: %s", gnutls_strerror((int)r));
        got += (size_t)r;
    }
    raw_tls_io(s, buf, 1, true);
}

int bd_raw_tls_main(const struct bd_args *a)
{
    long msgs = a->count > 0 ? a->count : 8L << 20;
    msgs -= msgs % (RAW_RECORD / RAW_MSG);
    size_t bytes = (size_t)msgs * RAW_MSG;
    int srv, cli;
    raw_pair(&srv, &cli);
    pid_t pid = fork();
    if (pid < 0)
        bd_fail("raw-tls: fork");
    if (pid == 0) {
        close(cli);
        gnutls_session_t s = raw_tls_session(srv, true);
        raw_tls_sink(s, bytes / 10); /* warm-up */
        for (int r = 0; r < a->reps; r++)
            raw_tls_sink(s, bytes);
        gnutls_bye(s, GNUTLS_SHUT_WR);
        _exit(0);
    }
    close(srv);
    gnutls_session_t s = raw_tls_session(cli, false);
    static char rec[RAW_RECORD];
    for (size_t i = 0; i < sizeof rec; i += RAW_MSG)
        memset(rec + i, 'a' + (int)(i / RAW_MSG % 26), RAW_MSG);
    char row[256], ack;
    const char *cipher = gnutls_cipher_get_name(gnutls_cipher_get(s));
    for (int r = -1; r < a->reps; r++) {
        size_t n = r < 0 ? bytes / 10 : bytes;
        int64_t t0 = bd_now_ns();
        for (size_t o = 0; o < n; o += sizeof rec)
            raw_tls_io(s, rec, n - o < sizeof rec ? n - o : sizeof rec, true);
        raw_tls_io(s, &ack, 1, false);
        double sec = (double)(bd_now_ns() - t0) / 1e9;
        if (r < 0)
            continue;
        snprintf(row, sizeof row, "RAW TLS 32 B msgs in 16 KiB records (%s)", cipher);
        bd_sample(row, "msgs/s", (double)n / RAW_MSG / sec);
    }
    gnutls_bye(s, GNUTLS_SHUT_WR);
    close(cli);
    raw_wait_child(pid);
    return 0;
}
