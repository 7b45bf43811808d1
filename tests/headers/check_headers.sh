#!/bin/sh
# SPDX-License-Identifier: MIT
# Each installed header compiles on its own: C11 -pedantic, warnings as
# errors, and (if a C++ compiler is there) as C++ for the extern "C" guards.
set -eu
top=${SNOW_TOP_BUILDDIR:?run through make check}
src=${SNOW_TOP_SRCDIR:?run through make check}
CC=$(sed -n 's/^CC = //p' "$top/Makefile" | head -n 1)
CXX=$(command -v g++ || command -v clang++ || true)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/snow-headers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0; bad=0
gen=
[ "$top/include" -ef "$src/include" ] || gen="$top/include/snow/version.h"
for h in "$src"/include/snow/*.h $gen; do
  [ -f "$h" ] || continue
  name=$(basename "$h")
  # Twice (include guards), plus one declaration (no empty unit).
  printf '#include <snow/%s>\n#include <snow/%s>\ntypedef int snow_header_check;\n' \
    "$name" "$name" >"$tmp/t.c"
  n=$((n + 1))
  if ! $CC -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only \
      -I"$top/include" -I"$src/include" "$tmp/t.c" 2>"$tmp/err"; then
    echo "FAIL: snow/$name alone (C11 -pedantic)"; cat "$tmp/err"; bad=1
  fi
  if [ -n "$CXX" ] && ! $CXX -x c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only \
      -I"$top/include" -I"$src/include" "$tmp/t.c" 2>"$tmp/err"; then
    echo "FAIL: snow/$name alone (C++11)"; cat "$tmp/err"; bad=1
  fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no headers found"; exit 1; }
[ "$bad" = 0 ] && echo "PASS: $n headers compile alone"
exit "$bad"
