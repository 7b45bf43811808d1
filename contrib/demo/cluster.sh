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
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

# start NAME: a node with a console on a fifo; its output goes to NAME.out
start() {
  local name=$1
  mkfifo "$work/$name.in"
  "$snowd" --console --name "$name@127.0.0.1" --cookie "$cookie" \
    <"$work/$name.in" >"$work/$name.out" 2>"$work/$name.log" &
  pids+=($!)
  eval "exec {fd_$name}>\"$work/$name.in\""
  wait_for "$name" '^READY' 20
  printf '%s: %s\n' "$name" "$(grep '^READY' "$work/$name.out")"
}

# wait_for NAME REGEX SECONDS: until NAME's output has a matching line
wait_for() {
  local deadline=$((SECONDS + $3))
  until grep -q -E "$2" "$work/$1.out" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "demo: timed out waiting for '$2' from $1" >&2
      cat "$work/$1.log" >&2
      exit 1
    fi
    sleep 0.05
  done
}

# cmd NAME COMMAND...: send a console command, print its answer
cmd() {
  local name=$1; shift
  local fd="fd_$name"
  local before
  before=$(grep -c -E '^(OK|ERR)' "$work/$name.out" || true)
  echo "$*" >&"${!fd}"
  local deadline=$((SECONDS + 20))
  until [ "$(grep -c -E '^(OK|ERR)' "$work/$name.out" || true)" -gt "$before" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "demo: no answer to '$*' from $name" >&2; exit 1; }
    sleep 0.02
  done
  printf '%s> %-36s %s\n' "$name" "$*" "$(grep -E '^(OK|ERR)' "$work/$name.out" | tail -n 1)"
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
echo quit >&"$fd_gamma"
wait_for alpha 'EVENT nodedown gamma' 10
wait_for beta 'EVENT nodedown gamma' 10
grep 'EVENT node' "$work/alpha.out" | sed 's/^/alpha: /'
grep 'EVENT node' "$work/beta.out" | sed 's/^/beta:  /'
cmd alpha nodes

say "done"
echo quit >&"$fd_alpha"
echo quit >&"$fd_beta"
