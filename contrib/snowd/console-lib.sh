# SPDX-License-Identifier: MIT
# Drive `snowd --console` nodes from bash (sourced by the demo and tests).
#
# Needs: $snowd_work (a directory), optional $snowd_prefix (a command run
# before snowd, e.g. "ip netns exec ns1"). Every node's output goes to
# $snowd_work/NAME.out, its log to NAME.log; commands go to a fifo.
# snowd_pids holds the pids started, for the caller's cleanup.

snowd_pids=()

# snowd_start NAME FULLNAME [snowd args...]: start and wait for READY
snowd_start() {
  local name=$1 full=$2; shift 2
  mkfifo "$snowd_work/$name.in"
  ${snowd_prefix:-} "$snowd" --console --name "$full" "$@" \
    <"$snowd_work/$name.in" >"$snowd_work/$name.out" 2>"$snowd_work/$name.log" &
  snowd_pids+=($!)
  eval "exec {snowd_fd_$name}>\"$snowd_work/$name.in\""
  snowd_wait "$name" '^READY' 20
}

# snowd_wait NAME REGEX SECONDS: until NAME's output has a matching line
snowd_wait() {
  local deadline=$((SECONDS + $3))
  until grep -q -E "$2" "$snowd_work/$1.out" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "timed out waiting for '$2' from $1; its log:" >&2
      tail -n 20 "$snowd_work/$1.log" >&2
      return 1
    fi
    sleep 0.05
  done
}

# snowd_cmd NAME COMMAND...: send a command; its answer goes to stdout
snowd_cmd() {
  local name=$1; shift
  local fd="snowd_fd_$name" before
  before=$(grep -c -E '^(OK|ERR)' "$snowd_work/$name.out" || true)
  echo "$*" >&"${!fd}"
  local deadline=$((SECONDS + 20))
  until [ "$(grep -c -E '^(OK|ERR)' "$snowd_work/$name.out" || true)" -gt "$before" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "no answer to '$*' from $name" >&2
      return 1
    fi
    sleep 0.02
  done
  grep -E '^(OK|ERR)' "$snowd_work/$name.out" | tail -n 1
}

# snowd_quit NAME: ask the node to stop (its pid stays in snowd_pids)
snowd_quit() {
  local fd="snowd_fd_$1"
  echo quit >&"${!fd}" 2>/dev/null || true
}

# snowd_stat NAME KEY: a counter from the node's `stats` (0 if absent)
snowd_stat() {
  snowd_cmd "$1" stats | tr ' ' '\n' | sed -n "s/^$2=//p" | grep . || echo 0
}
