#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the local workloads L1-L4 on Snow (bench_local) and on Erlang/OTP
# (bench_local.erl) in one invocation and prints one table with ratios.
#   contrib/bench/run-local.sh [--reps N] [--million] [--only L1,L2]
# Run from a configured build tree (it builds contrib/bench/bench_local first).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
reps=5 idle=100000 only="L1,L2,L3,L4"
while [ $# -gt 0 ]; do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --million) idle=1000000; shift ;;
    --idle) idle=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "usage: $0 [--reps N] [--idle N | --million] [--only L1,L2,L3,L4]" >&2; exit 2 ;;
  esac
done

make -C "$top" -s contrib/bench/bench_local >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== Snow (contrib/bench/bench_local, $reps reps) =="
"$top/contrib/bench/bench_local" --reps "$reps" --idle "$idle" --only "$only" 2>"$tmp/snow.err"
grep '^RESULT|' "$tmp/snow.err" >"$tmp/snow" || { cat "$tmp/snow.err" >&2; exit 1; }

echo "== Erlang/OTP $(erl -noshell -eval 'io:format("~s",[erlang:system_info(otp_release)]),halt().') (bench_local.erl, $reps reps) =="
if command -v escript >/dev/null; then
  escript "$here/bench_local.erl" "$reps" "$idle" "$only" | tee "$tmp/erl.out" | grep -v '^RESULT|' || true
  grep '^RESULT|' "$tmp/erl.out" >"$tmp/erl" || true
else
  echo "escript not found (apt-get install erlang-nox): Erlang column left empty"
  : >"$tmp/erl"
fi

echo
echo "| id | workload | unit | Snow median (min-max) | Erlang median (min-max) | Snow/Erlang | goal |"
echo "|---|---|---|---:|---:|---:|---|"
awk -F'|' -v idle="$idle" '
  NR == FNR { erl[$2] = $4; erlr[$2] = sprintf("%.4g-%.4g", $5, $6); next }
  {
    id = $2; unit = $3; med = $4
    name["L1"] = "one-way send+receive {Seq, \"hello world\"}, 2M msgs"
    name["L2"] = "ping-pong, 1M round trips"
    name["L3"] = "spawn + reply, 100k"
    name["L4"] = "idle process memory, " idle " processes (Snow: RSS; Erlang: memory(processes))"
    goal["L1"] = ">= 2x"; goal["L4"] = "<= 2x"
    e = (id in erl) ? erl[id] : ""
    ratio = (e != "" && e > 0) ? sprintf("%.2fx", med / e) : "n/a"
    printf "| %s | %s | %s | %.4g (%.4g-%.4g) | %s | %s | %s |\n", id, name[id], unit, med, $5, $6,
           (e != "" ? sprintf("%.4g (%s)", e, erlr[id]) : "n/a"), ratio, (id in goal ? goal[id] : "")
    if (id == "L4" && ("L4rss" in erl))
      printf "| L4rss | idle process memory, Erlang VM RSS growth (reference only: BEAM reuses carriers it mapped earlier) | %s | | %.4g (%s) | | |\n",
             unit, erl["L4rss"], erlr["L4rss"]
  }' "$tmp/erl" "$tmp/snow"
