#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A real network cut between two nodes (FT-03, NODE-08): each node runs in a
# network namespace this test creates, joined by a veth pair; the link is
# cut with `ip link set ... down`. With ticks of 1 s both sides must see
# nodedown within 2 ticks and fire noconnection for links and monitors;
# after the link is restored they reconnect and new monitors work.
# Traffic stays between the two namespaces the test made (10.213.77.0/24).
# Exit 77 (automake SKIP) with a reason where namespaces cannot be made.
set -euo pipefail
top_build=${SNOW_TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_src=${SNOW_TOP_SRCDIR:-$top_build}
snowd="$top_build/contrib/snowd/snowd"
[ -x "$top_build/contrib/snowd/.libs/snowd" ] && snowd="$top_build/contrib/snowd/.libs/snowd"
export LD_LIBRARY_PATH="$top_build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

tag="snow$$"
ns_a="${tag}a" ns_b="${tag}b"
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! ip netns add "$ns_a" 2>/dev/null; then
  echo "SKIP: cannot create network namespaces here (needs root and iproute2)"
  exit 77
fi
snowd_work=$(mktemp -d /tmp/snow-netcut.XXXXXX)
cleanup() {
  for p in "${snowd_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$ns_a" 2>/dev/null || true
  ip netns del "$ns_b" 2>/dev/null || true
  rm -rf "$snowd_work"
}
trap cleanup EXIT
ip netns add "$ns_b"
ip link add "${tag}va" type veth peer name "${tag}vb"
ip link set "${tag}va" netns "$ns_a"
ip link set "${tag}vb" netns "$ns_b"
ip -n "$ns_a" addr add 10.213.77.1/24 dev "${tag}va"
ip -n "$ns_b" addr add 10.213.77.2/24 dev "${tag}vb"
for ns in "$ns_a" "$ns_b"; do ip -n "$ns" link set lo up; done
ip -n "$ns_a" link set "${tag}va" up
ip -n "$ns_b" link set "${tag}vb" up

# shellcheck source=../../contrib/snowd/console-lib.sh
. "$top_src/contrib/snowd/console-lib.sh"
printf 'transport transport_%s\nauth auth_cookie\n' "${SNOW_TEST_TRANSPORT:-tls}" >"$snowd_work/plugins.conf"
common=(--cookie netcut --tick 1000 --plugins "$snowd_work/plugins.conf")

fail() { echo "FAIL: $*"; echo "1 passed, 1 failed"; exit 1; }
expect() { # expect NAME KEY VALUE: wait (bounded) until the counter has VALUE
  local deadline=$((SECONDS + 10)) v
  while :; do
    v=$(snowd_stat "$1" "$2")
    [ "$v" = "$3" ] && return 0
    [ "$SECONDS" -lt "$deadline" ] || fail "$1 $2=$v, expected $3"
    sleep 0.1
  done
}

snowd_prefix="ip netns exec $ns_a" snowd_start a a@10.213.77.1:4470 "${common[@]}"
snowd_prefix="ip netns exec $ns_b" snowd_start b b@10.213.77.2:4470 "${common[@]}"
[ "$(snowd_cmd b connect a@10.213.77.1:4470)" = OK ] || fail "connect"
[ "$(snowd_cmd b collect col)" = OK ] || fail "collect"
[ "$(snowd_cmd a idle 10 col b@10.213.77.2)" = OK ] || fail "idle"
deadline=$((SECONDS + 10))
until [ "$(snowd_cmd b collected)" = "OK 10" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "collect 10 pids"
  sleep 0.05
done
[ "$(snowd_cmd b watch monitor)" = OK ] || fail "watch monitor"
[ "$(snowd_cmd b watch linktrap)" = OK ] || fail "watch linktrap"

cut_at=$EPOCHREALTIME
ip -n "$ns_a" link set "${tag}va" down
snowd_wait a 'EVENT nodedown b@10.213.77.2' 5 || fail "a did not see nodedown"
snowd_wait b 'EVENT nodedown a@10.213.77.1' 5 || fail "b did not see nodedown"
took_ms=$(awk -v a="$cut_at" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
echo "both sides saw nodedown $took_ms ms after the cut"
[ "$took_ms" -le 2500 ] || fail "nodedown took $took_ms ms (ticks of 1 s: want <= 2 ticks + slack)"
expect b monitor:noconnection 10
expect b trap:noconnection 10

ip -n "$ns_a" link set "${tag}va" up
deadline=$((SECONDS + 15))
until [ "$(snowd_cmd b connect a@10.213.77.1:4470)" = OK ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "reconnect after the link came back"
  sleep 0.2
done
[ "$(snowd_cmd a idle 5 col b@10.213.77.2)" = OK ] || fail "idle after reconnect"
deadline=$((SECONDS + 10))
until [ "$(snowd_cmd b collected)" = "OK 15" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "collect 5 more pids"
  sleep 0.05
done
[ "$(snowd_cmd b watch monitor 10 5)" = OK ] || fail "watch new pids"
[ "$(snowd_cmd b kill_collected bye)" = OK ] || fail "kill_collected"
expect b monitor:bye 5
# the signals fired at the cut stay fired: nothing more arrived
expect b monitor:noconnection 10
expect b trap:noconnection 10
snowd_quit a; snowd_quit b
echo "1 passed, 0 failed"
