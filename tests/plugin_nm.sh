#!/bin/sh
# SPDX-License-Identifier: MIT
# Plugins link against nothing in the kernel: no undefined snow_/sk_ symbol
# in any built plugin, and each exports only its descriptor.
set -eu
top=${SNOW_TOP_BUILDDIR:?run through make check}
n=0; bad=0
for so in "$top"/plugins/.libs/*.so "$top"/plugins/*/.libs/*.so "$top"/tests/plugins/.libs/*.so; do
  [ -f "$so" ] || continue
  n=$((n + 1))
  und=$(nm -D --undefined-only "$so" | awk '$NF ~ /^(snow_|sk_)/ {print $NF}')
  if [ -n "$und" ]; then
    echo "FAIL: $so needs kernel symbols: $und"; bad=1
  fi
  case $(basename "$so") in fx_no_symbol.so) continue ;; esac
  extra=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDRBV]$/ && $3 != "snow_plugin" {print $3}')
  if [ -n "$extra" ]; then
    echo "FAIL: $so exports more than snow_plugin: $extra"; bad=1
  fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no plugin found under $top"; exit 1; }
[ "$bad" = 0 ] && echo "PASS: $n plugins, none needs kernel symbols"
exit "$bad"
