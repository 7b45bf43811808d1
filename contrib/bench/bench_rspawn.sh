#!/bin/bash
# SPDX-License-Identifier: MIT
# Remote spawn round trip: Snow (tcp, tls) and Erlang's spawn(Node, M, F, A) in the same run.
# Env: N (5000), REPS (3), PIN=1 (every node process on CPU 0 with taskset),
# SNOW_TOP_BUILDDIR / SNOW_TOP_SRCDIR (set by make bench-rspawn).
set -u
BUILD=${SNOW_TOP_BUILDDIR:-.}
SRC=${SNOW_TOP_SRCDIR:-.}
N=${N:-5000}
REPS=${REPS:-3}
export SNOW_PLUGIN_PATH=$BUILD/plugins/.libs
PINCMD=()
[ "${PIN:-0}" = 1 ] && PINCMD=(taskset -c 0)
rc=0
for t in tcp tls; do
    timeout 600 "${PINCMD[@]}" "$BUILD/contrib/bench/bench_rspawn" "$t" "$N" "$REPS" || rc=1
done

if ! command -v erl >/dev/null; then
    echo "ERLANG skipped: erl not installed"
    exit $rc
fi
W=$(mktemp -d /tmp/bench_rspawn_erl.XXXXXX)
EPMD_PID=""
B_PID=""
cleanup() {
    [ -n "$B_PID" ] && kill "$B_PID" 2>/dev/null
    [ -n "$EPMD_PID" ] && kill "$EPMD_PID" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
erlc -o "$W" "$SRC/contrib/bench/rspawn_erl.erl" || exit 1
PORT=$((20000 + RANDOM % 20000))
epmd -port "$PORT" -address 127.0.0.1 >"$W/epmd.log" 2>&1 </dev/null &
EPMD_PID=$!
for _ in $(seq 40); do epmd -port "$PORT" -names >/dev/null 2>&1 && break; sleep 0.05; done
COOKIE=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=bench_rspawn -keyout "$W/key.pem" -out "$W/cert.pem" >/dev/null 2>&1
cat >"$W/ssl_dist.conf" <<CONF
[{server, [{certfile, "$W/cert.pem"}, {keyfile, "$W/key.pem"}]},
 {client, [{verify, verify_none}]}].
CONF
for proto in tcp tls; do
    extra=(-noshell -setcookie "$COOKIE" -start_epmd false
           -kernel inet_dist_use_interface '{127,0,0,1}' -pa "$W")
    [ "$proto" = tls ] && extra+=(-proto_dist inet_tls -ssl_dist_optfile "$W/ssl_dist.conf")
    ERL_EPMD_PORT=$PORT timeout 300 "${PINCMD[@]}" erl -name "b_$proto@127.0.0.1" "${extra[@]}" \
        -run rspawn_erl idle 290 >"$W/b_$proto.log" 2>&1 </dev/null &
    B_PID=$!
    ERL_EPMD_PORT=$PORT timeout 300 "${PINCMD[@]}" erl -name "a_$proto@127.0.0.1" "${extra[@]}" \
        -run rspawn_erl main "b_$proto@127.0.0.1" "$N" "$REPS" "$proto" </dev/null || rc=1
    wait "$B_PID" 2>/dev/null
    B_PID=""
done
exit $rc
