#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-dist.sh: Snow's distribution benchmarks (R1-R4, raw TCP/TLS baselines,
# MSG-08) and the same workloads on Erlang/OTP, in one run, one table.
#
#   make bench && contrib/bench/run-dist.sh          from the build tree
#   REPS=3 TRIPS=20000 FRESH=20 STAGES="raw snow erlang msg08" contrib/bench/run-dist.sh
#
# Needs: taskset (util-linux); for the Erlang rows erlang-nox erlang-ssl
# erlang-public-key erlang-crypto and openssl (the stage is skipped without).
# Loopback only; every process runs under `timeout` or is stopped by its
# PID; nothing else on the machine is signalled. Table on stdout, progress
# on stderr; raw samples kept in $WORK/samples.txt when KEEP_WORK=1.
set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=${SNOW_TOP_BUILDDIR:-$(cd "$HERE/../.." && pwd)}
BIN=$TOP/contrib/bench
REPS=${REPS:-5}            # repetitions of each measurement (medians of these)
TRIPS=${TRIPS:-100000}     # R3 round trips per repetition
FRESH=${FRESH:-20}         # R4 fresh nodes per transport
STAGES=${STAGES:-"raw snow erlang msg08"}
export SNOW_PLUGIN_PATH=${SNOW_PLUGIN_PATH:-$TOP/plugins/.libs}

for b in bench_dist bench_msg08_in bench_msg08_out bench_msg08_lib; do
    [ -x "$BIN/$b" ] || { echo "missing $BIN/$b: run 'make bench' first" >&2; exit 2; }
done
command -v taskset >/dev/null || { echo "missing taskset (util-linux)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/snow-bench-dist.XXXXXX)
SAMPLES=$WORK/samples.txt
: >"$SAMPLES"
PIDS=()
T_START=$SECONDS
COOKIE=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')

log() { printf '[%4ds] %s\n' $((SECONDS - T_START)) "$*" >&2; }
want() { case " $STAGES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    wait 2>/dev/null
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo interrupted >&2; exit 130' INT TERM

# Waits up to $2 s for our background child $1, then SIGKILLs it (by PID).
reap() {
    local n=$(($2 * 20))
    while kill -0 "$1" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

wait_file() {
    local n=$(($2 * 20))
    while [ ! -s "$1" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
    [ -s "$1" ]
}

# Appends a program's result lines to the samples; shows its errors.
collect() {
    grep -aE '^(SAMPLE|ERROR)\|' "$1" >>"$SAMPLES"
    grep -aE '^ERROR\|' "$1" >&2
    return 0
}

for t in tcp tls; do
    printf 'transport transport_%s\nauth auth_cookie\n' "$t" >"$WORK/$t.conf"
done

# ---------------------------------------------------------------- Snow
PIN=()
snow_peer() {  # tag proto -> PEER_PID, PEER_ADDR
    rm -f "$WORK/$1.ready"
    "${PIN[@]}" "$BIN/bench_dist" peer --name "b_$1@127.0.0.1" --plugins "$WORK/$2.conf" \
        --cookie "$COOKIE" --ready "$WORK/$1.ready" >"$WORK/$1.peer.log" 2>&1 &
    PEER_PID=$!
    PIDS+=("$PEER_PID")
    wait_file "$WORK/$1.ready" 20 || { echo "ERROR|snow peer $1 did not start" >>"$SAMPLES"; return 1; }
    PEER_ADDR="b_$1@$(cat "$WORK/$1.ready")"
}

snow_pair() {  # proto(tcp|tls) what(all|lat)
    local tag="s_$1_$2" label=${1^^}
    snow_peer "$tag" "$1" || return
    timeout 1800 "${PIN[@]}" "$BIN/bench_dist" drive --name "a_$tag@127.0.0.1" --peer "$PEER_ADDR" \
        --plugins "$WORK/$1.conf" --cookie "$COOKIE" --label "$label" --what "$2" \
        --reps "$REPS" --count "$TRIPS" >"$WORK/$tag.log" 2>"$WORK/$tag.err"
    collect "$WORK/$tag.log"
    reap "$PEER_PID" 10
}

snow_conn() {  # proto
    local tag="s_$1_conn" i
    snow_peer "$tag" "$1" || return
    for i in $(seq 1 "$FRESH"); do
        timeout 60 "$BIN/bench_dist" conn --name "c${i}_$tag@127.0.0.1" --peer "$PEER_ADDR" \
            --plugins "$WORK/$1.conf" --cookie "$COOKIE" --label "${1^^}" \
            >"$WORK/$tag.$i.log" 2>/dev/null
        collect "$WORK/$tag.$i.log"
    done
    kill -TERM "$PEER_PID" 2>/dev/null
    reap "$PEER_PID" 10
}

raw_tcp() {  # placement label
    timeout 600 "${PIN[@]}" "$BIN/bench_dist" raw-tcp --label "$1" --count "$TRIPS" --reps "$REPS" \
        >"$WORK/raw.log" 2>&1
    collect "$WORK/raw.log"
}

# ---------------------------------------------------------------- Erlang/OTP
EPMD_PID=""
erl_setup() {
    for t in erl erlc epmd openssl; do
        command -v $t >/dev/null || { log "no $t: Erlang rows skipped"; return 1; }
    done
    mkdir -p "$WORK/ebin"
    erlc -o "$WORK/ebin" "$HERE/dist/bench_dist.erl" || return 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=bench -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 || return 1
    # TLS 1.3 with the cipher Snow nodes negotiate, ECDSA P-256, no verification
    # (Snow's ephemeral-certificate mode does not verify the peer either).
    cat >"$WORK/ssl_dist.conf" <<EOC
[{server, [{certfile, "$WORK/cert.pem"}, {keyfile, "$WORK/key.pem"}, {verify, verify_none},
           {versions, ['tlsv1.3']}, {ciphers, ["TLS_AES_256_GCM_SHA384"]}]},
 {client, [{verify, verify_none}, {versions, ['tlsv1.3']}, {ciphers, ["TLS_AES_256_GCM_SHA384"]}]}].
EOC
    local try
    for try in 1 2 3 4 5; do
        EPMD_PORT=$((20000 + RANDOM % 20000))
        epmd -port "$EPMD_PORT" -address 127.0.0.1 >"$WORK/epmd.log" 2>&1 </dev/null &
        EPMD_PID=$!
        PIDS+=("$EPMD_PID")
        sleep 0.3
        epmd -port "$EPMD_PORT" -names >/dev/null 2>&1 && return 0
        kill -KILL "$EPMD_PID" 2>/dev/null; wait "$EPMD_PID" 2>/dev/null
    done
    log "could not start a private epmd: Erlang rows skipped"
    return 1
}

erl_node() {  # proto name args... : execs erl, so a background caller's $! is beam's PID
    local proto=$1 name=$2; shift 2
    local tls=(); [ "$proto" = tls ] && tls=(-proto_dist inet_tls -ssl_dist_optfile "$WORK/ssl_dist.conf")
    exec env ERL_EPMD_PORT="$EPMD_PORT" BENCH_CLK_TCK="$(getconf CLK_TCK)" "${PIN[@]}" erl -noshell \
        -name "$name@127.0.0.1" -setcookie "$COOKIE" -start_epmd false \
        -kernel inet_dist_use_interface '{127,0,0,1}' -pa "$WORK/ebin" "${tls[@]}" "$@" </dev/null
}

erl_pair() {  # proto what
    local tag="e_$1_$2" p
    erl_node "$1" "eb_$tag" -run bench_dist peer 1800 >"$WORK/$tag.peer.log" 2>&1 &
    p=$!; PIDS+=("$p")
    timeout 1800 bash -c "$(declare -f erl_node); $(declare -p PIN WORK EPMD_PORT COOKIE); \
        erl_node $1 ea_$tag -run bench_dist drive ${1^^} eb_$tag@127.0.0.1 $2 $REPS $TRIPS" \
        >"$WORK/$tag.log" 2>&1
    collect "$WORK/$tag.log"
    reap "$p" 15
}

erl_conn() {  # proto
    local tag="e_$1_conn" p i
    erl_node "$1" "eb_$tag" -run bench_dist peer 1800 >"$WORK/$tag.peer.log" 2>&1 &
    p=$!; PIDS+=("$p")
    sleep 2 # the fresh nodes retry nothing: give the peer time to register
    for i in $(seq 1 "$FRESH"); do
        timeout 60 bash -c "$(declare -f erl_node); $(declare -p PIN WORK EPMD_PORT COOKIE); \
            erl_node $1 ec${i}_$tag -run bench_dist conn ${1^^} eb_$tag@127.0.0.1" \
            >"$WORK/$tag.$i.log" 2>&1
        collect "$WORK/$tag.$i.log"
    done
    kill -TERM "$p" 2>/dev/null
    reap "$p" 15
}

# ---------------------------------------------------------------- stages
log "work dir $WORK; REPS=$REPS TRIPS=$TRIPS FRESH=$FRESH; stages: $STAGES"
{
    echo "META|date|$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "META|CPU|$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
    echo "META|load average at start|$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "META|kernel|$(uname -r)"
    command -v erl >/dev/null && echo "META|Erlang/OTP|$(erl -noshell -eval 'io:format("~s",[erlang:system_info(otp_release)]),halt().' 2>/dev/null)"
} >>"$SAMPLES"

if want raw; then
    log "raw TCP ping-pong, unpinned and both ends on CPU 0"
    PIN=(); raw_tcp unpinned
    PIN=(taskset -c 0); raw_tcp "pinned to CPU 0"; PIN=()
fi
if want snow; then
    for proto in tcp tls; do
        log "Snow $proto: R1, R2, R3 unpinned"
        PIN=(); snow_pair "$proto" all
        log "Snow $proto: R3 both nodes on CPU 0"
        PIN=(taskset -c 0); snow_pair "$proto" lat; PIN=()
        log "Snow $proto: R4, $FRESH fresh nodes"
        snow_conn "$proto"
    done
fi
if want raw; then
    log "raw batched TLS"
    timeout 600 "$BIN/bench_dist" raw-tls --reps "$REPS" >"$WORK/rawtls.log" 2>&1
    collect "$WORK/rawtls.log"
fi
if want erlang && erl_setup; then
    for proto in tcp tls; do
        log "Erlang $proto: R1, R2, R3 unpinned"
        PIN=(); erl_pair "$proto" all
        log "Erlang $proto: R3 both nodes on CPU 0"
        PIN=(taskset -c 0); erl_pair "$proto" lat; PIN=()
        log "Erlang $proto: R4, $FRESH fresh nodes"
        erl_conn "$proto"
    done
fi
if want msg08; then
    log "MSG-08: local send, remote branch compiled in / out (interleaved)"
    for i in $(seq 1 "$REPS"); do
        for b in in out lib; do
            timeout 300 "$BIN/bench_msg08_$b" 1 >"$WORK/msg08.log" 2>&1
            collect "$WORK/msg08.log"
        done
    done
fi
echo "META|load average at end|$(cut -d' ' -f1-3 /proc/loadavg)" >>"$SAMPLES"
echo "META|run time|$((SECONDS - T_START)) s" >>"$SAMPLES"

log "done; table:"
grep '^META|' "$SAMPLES" | awk -F'|' '{ printf("- %s: %s\n", $2, $3) }'
echo
grep -E '^(SAMPLE|ERROR)\|' "$SAMPLES" | sort -t'|' -k3,3 -k4,4 -k2,2 -k5,5g | awk -f "$HERE/dist/report.awk"
[ "${KEEP_WORK:-0}" = 1 ] || cp "$SAMPLES" "${SAMPLES_OUT:-/dev/null}" 2>/dev/null
exit 0
