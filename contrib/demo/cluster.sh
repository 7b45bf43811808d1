#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The cluster demo: three snowd nodes on loopback over TLS with cookie auth
# (the built-in default plugin list). They meet, form a mesh from two
# connects, exchange messages, then one stops and the others log nodedown.
# Run from a built tree: contrib/demo/run.sh calls it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
snowd="$top/contrib/snowd/snowd"
export SNOW_PLUGIN_PATH="$top/plugins/.libs"
work=$(mktemp -d /tmp/snow-demo.XXXXXX)
cookie="demo-cookie-$RANDOM$RANDOM"
cleanup() {
  for p in "${snowd_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

snowd_work=$work
# shellcheck source=../snowd/console-lib.sh
. "$top/contrib/snowd/console-lib.sh"

start() {
  snowd_start "$1" "$1@127.0.0.1" --cookie "$cookie"
  printf '%s: %s\n' "$1" "$(grep '^READY' "$work/$1.out")"
}
wait_for() { snowd_wait "$@"; }
cmd() {
  local name=$1; shift
  printf '%s> %-36s %s\n' "$name" "$*" "$(snowd_cmd "$name" "$@")"
}

say "starting three nodes (TLS, cookie auth, built-in discovery)"
start alpha
start beta
start gamma

say "beta connects to alpha, gamma connects to beta: the mesh connects gamma to alpha"
cmd beta connect alpha@127.0.0.1
cmd gamma connect "beta@127.0.0.1"
wait_for alpha 'EVENT nodeup gamma' 10
cmd alpha nodes
cmd gamma nodes

say "messages: each node pings the others by registered name"
cmd alpha ping gamma@127.0.0.1
cmd gamma ping alpha@127.0.0.1
cmd beta ping gamma@127.0.0.1
cmd gamma sink inbox
cmd alpha blast inbox gamma@127.0.0.1 100000 11
wait_for alpha 'EVENT blast_done inbox' 30
sleep 0.5
cmd gamma sink_stat inbox

say "gamma stops; alpha and beta log nodedown"
snowd_quit gamma
wait_for alpha 'EVENT nodedown gamma' 10
wait_for beta 'EVENT nodedown gamma' 10
grep 'EVENT node' "$work/alpha.out" | sed 's/^/alpha: /'
grep 'EVENT node' "$work/beta.out" | sed 's/^/beta:  /'
cmd alpha nodes

say "done"
snowd_quit alpha
snowd_quit beta
