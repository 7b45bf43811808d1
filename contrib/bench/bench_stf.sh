#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the STF benchmark and the same workloads in Erlang (term_to_binary /
# binary_to_term, erlang-nox) and prints Snow/Erlang ratios.
# Both sides count CPU time, not wall-clock time (see bench_stf.c).
# The two sides alternate: ROUNDS rounds of (Snow, then Erlang), each side
# taking the median of REPS repetitions of N operations. A round's ratio
# compares runs seconds apart, so the slow drifts of a shared virtual
# machine (2x between minutes here) cancel; the table gives the median of
# the round ratios and their range.
# Usage: bench_stf.sh [N [REPS [ROUNDS]]]   (from the build directory; make bench-stf)
set -eu
N=${1:-1000000}
REPS=${2:-3}
ROUNDS=${3:-5}
srcdir=${SNOW_TOP_SRCDIR:-$(dirname "$0")/../..}
BENCH=${BENCH_STF:-./contrib/bench/bench_stf}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
erlc -o "$tmp" "$srcdir/contrib/bench/stf_bench.erl"
round=1
while [ "$round" -le "$ROUNDS" ]; do
    "$BENCH" "$N" "$REPS" | sed "s/^/$round /" >>"$tmp/snow.txt"
    erl -noshell +S 1:1 +sbwt none +sbwtdcpu none +sbwtdio none -pa "$tmp" \
        -eval "stf_bench:main([\"$N\",\"$REPS\"]), halt()." | sed "s/^/$round /" >>"$tmp/erl.txt"
    echo "round $round of $ROUNDS done" >&2
    round=$((round + 1))
done
echo
echo "Snow/Erlang: median of $ROUNDS same-round ratios (range); rates: medians over rounds."
echo "vs term_to_binary: encode = new malloc'd buffer, bin = new binary term"
echo "(term_to_binary's own result), into = a reused caller buffer."
printf '%-8s %-7s %12s %12s %8s %15s %9s %9s %6s %6s\n' workload op snow/s erlang/s ratio range \
    snowMB/s erlMB/s sbytes ebytes
# Lines: <round> <stf|erl> <workload> <op> <terms/s> <MB/s> <bytes>.
awk '
    function median(list,    v, n, i, j, t) {
        n = split(list, v, " ")
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    function span(list,    v, n, i, lo, hi) {
        n = split(list, v, " ")
        lo = hi = v[1]
        for (i = 2; i <= n; i++) { if (v[i] + 0 < lo + 0) lo = v[i]; if (v[i] + 0 > hi + 0) hi = v[i] }
        return sprintf("%.2f-%.2fx", lo, hi)
    }
    FNR == NR { s[$1 " " $3 " " $4] = $5; sz[$3 " " $4] = $7; next }
    { e[$1 " " $3 " " $4] = $5; esz[$3 " " $4] = $7; rounds[$1] = 1
      if (!(($3 " " $4) in seen)) { seen[$3 " " $4] = 1; order[++nk] = $3 " " $4 } }
    END {
        for (k = 1; k <= nk; k++) {
            split(order[k], wo, " ")
            ops = wo[2] == "encode" ? "encode bin into" : wo[2]
            nops = split(ops, op, " ")
            for (o = 1; o <= nops; o++) {
                sop = op[o] == "encode" || op[o] == "decode" ? op[o] : "encode_" op[o]
                rs = es = ratios = ""
                for (r in rounds) {
                    sk = r " " wo[1] " " sop; ek = r " " order[k]
                    if (!(sk in s) || !(ek in e)) continue
                    rs = rs " " s[sk]; es = es " " e[ek]; ratios = ratios " " s[sk] / e[ek]
                }
                if (ratios == "") continue
                sr = median(rs); er = median(es)
                printf "%-8s %-7s %12.0f %12.0f %7.2fx %15s %9.1f %9.1f %6d %6d\n", wo[1], op[o], sr, er,
                    median(ratios), span(ratios), sr * sz[wo[1] " " sop] / 1e6, er * esz[order[k]] / 1e6,
                    sz[wo[1] " " sop], esz[order[k]]
            }
        }
    }
' "$tmp/snow.txt" "$tmp/erl.txt"
