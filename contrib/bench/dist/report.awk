# SPDX-License-Identifier: MIT
# report.awk: samples (SAMPLE|impl|row|unit|value, sorted by row, unit, impl,
# value) -> markdown table of median (min-max) per implementation, ratios,
# and the goals of issue 5. Plain POSIX awk (mawk is Debian's default).
BEGIN { FS = "|" }
$1 == "SAMPLE" {
    key = $3 SUBSEP $4
    if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
    ik = key SUBSEP $2
    n[ik]++
    v[ik, n[ik]] = $5 + 0
}
$1 == "ERROR" { errors[++ne] = $0 }

function med(ik,   c) {
    c = n[ik]
    if (c % 2) return v[ik, (c + 1) / 2]
    return (v[ik, c / 2] + v[ik, c / 2 + 1]) / 2
}
function fmt(x) {
    if (x >= 1e6) return sprintf("%.2fM", x / 1e6)
    if (x >= 1e4) return sprintf("%.0fk", x / 1e3)
    if (x >= 100) return sprintf("%.0f", x)
    if (x >= 10) return sprintf("%.1f", x)
    return sprintf("%.3g", x)
}
function cell(ik) {
    if (!(ik in n)) return "-"
    return fmt(med(ik)) " (" fmt(v[ik, 1]) "-" fmt(v[ik, n[ik]]) ", n=" n[ik] ")"
}
function get(row, unit, impl,   ik) {
    ik = row SUBSEP unit SUBSEP impl
    return (ik in n) ? med(ik) : -1
}
function goal(text, val, want, ok) {
    if (val < 0) { printf("| %s | not measured | %s | - |\n", text, want); return }
    printf("| %s | %s | %s | %s |\n", text, fmt(val), want, ok ? "met" : "**missed**")
}
END {
    print "| benchmark | unit | Snow median (min-max, reps) | Erlang/OTP median (min-max, reps) | Snow / Erlang |"
    print "|---|---|---|---|---|"
    for (i = 1; i <= nk; i++) {
        split(order[i], p, SUBSEP)
        s = order[i] SUBSEP "snow"; e = order[i] SUBSEP "erlang"
        r = "-"
        if ((s in n) && (e in n) && med(e) > 0) r = sprintf("%.2fx", med(s) / med(e))
        printf("| %s | %s | %s | %s | %s |\n", p[1], p[2], cell(s), cell(e), r)
    }
    print ""
    print "| goal (issue 5) | measured | goal | |"
    print "|---|---|---|---|"
    r1tls = get("R1 TLS one-way {Seq,<<11 B>>} x1M", "msgs/s", "snow")
    r1tcp_e = get("R1 TCP one-way {Seq,<<11 B>>} x1M", "msgs/s", "erlang")
    goal("Snow R1 over TLS / Erlang R1 over TCP", (r1tls > 0 && r1tcp_e > 0) ? r1tls / r1tcp_e : -1,
         ">= 3x", r1tls >= 3 * r1tcp_e)
    raw = -1
    for (i = 1; i <= nk; i++) {
        split(order[i], p, SUBSEP)
        if (p[1] ~ /^RAW TLS/ && p[2] == "msgs/s") raw = get(p[1], p[2], "snow")
    }
    goal("Snow R1 over TLS, % of raw batched TLS", (r1tls > 0 && raw > 0) ? 100 * r1tls / raw : -1,
         ">= 50%", r1tls >= 0.5 * raw)
    split("TCP TLS", protos, " ")
    split("unpinned|pinned to CPU 0", places, "|")
    for (a = 1; a <= 2; a++) for (b = 1; b <= 2; b++) {
        sp = get("R3 " protos[a] " " places[b] " ping-pong p50", "us", "snow")
        rp = get("R3 raw TCP " places[b] " ping-pong p50", "us", "snow")
        goal("R3 " protos[a] " " places[b] ": Snow p50 / raw TCP p50", (sp > 0 && rp > 0) ? sp / rp : -1,
             "<= 1.3", sp <= 1.3 * rp)
    }
    for (a = 1; a <= 2; a++) {
        c = get("R4 " protos[a] " fresh node: connect (transport+handshake+auth)", "ms", "snow")
        goal("R4 " protos[a] " fresh connect (ms)", c, "<= 1.5 ms" (a == 1 ? " (TLS goal; TCP for reference)" : ""), c <= 1.5)
    }
    mi = get("MSG-08 local send {Seq,<<11 B>>} x2M, remote branch compiled in", "msgs/s", "snow")
    mo = get("MSG-08 local send {Seq,<<11 B>>} x2M, remote branch compiled out", "msgs/s", "snow")
    goal("MSG-08 local send: compiled in / compiled out", (mi > 0 && mo > 0) ? mi / mo : -1,
         ">= 0.98", mi >= 0.98 * mo)
    if (ne) { print ""; for (i = 1; i <= ne; i++) print "    " errors[i] }
}
