#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the STF benchmark and the same workloads in Erlang (term_to_binary /
# binary_to_term, erlang-nox) in one run, and prints Snow/Erlang ratios.
# Both sides count CPU time, not wall-clock time (see bench_stf.c).
# Usage: bench_stf.sh [N [REPS]]   (from the build directory; make bench-stf)
set -eu
N=${1:-1000000}
REPS=${2:-5}
srcdir=${SNOW_TOP_SRCDIR:-$(dirname "$0")/../..}
BENCH=${BENCH_STF:-./contrib/bench/bench_stf}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
erlc -o "$tmp" "$srcdir/contrib/bench/stf_bench.erl"
"$BENCH" "$N" "$REPS" | tee "$tmp/snow.txt"
erl -noshell +S 1:1 +sbwt none +sbwtdcpu none +sbwtdio none -pa "$tmp" -eval "stf_bench:main([\"$N\",\"$REPS\"]), halt()." | tee "$tmp/erl.txt"
echo
echo "(into = encode into a reused caller buffer, vs term_to_binary)"
printf '%-8s %-7s %14s %14s %8s %10s %10s %6s %6s\n' workload op snow/s erlang/s ratio snowMB/s erlMB/s sbytes ebytes
awk '
    FNR == NR { rate[$2 " " $3] = $4; mb[$2 " " $3] = $5; sz[$2 " " $3] = $6; next }
    { k = $2 " " $3
      if ($3 == "encode" && (($2 " encode_into") in rate)) {
          k2 = $2 " encode_into"
          printf "%-8s %-7s %14.0f %14.0f %7.2fx %10.1f %10.1f %6d %6d\n", $2, "into", rate[k2], $4, rate[k2] / $4, mb[k2], $5, sz[k2], $6
      }
      printf "%-8s %-7s %14.0f %14.0f %7.2fx %10.1f %10.1f %6d %6d\n", $2, $3, rate[k], $4, rate[k] / $4, mb[k], $5, sz[k], $6 }
' "$tmp/snow.txt" "$tmp/erl.txt"
