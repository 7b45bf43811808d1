#!/bin/sh
# SPDX-License-Identifier: MIT
# Third-party promise: `make install DESTDIR=...`, build the example transport
# out of tree with only `pkg-config snow-plugin`, then load it with a program
# built against the staged libsnow.
set -eu
top=${SNOW_TOP_BUILDDIR:?run through make check}
src=${SNOW_TOP_SRCDIR:?run through make check}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/snow-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The compiler and flags the tree was configured with (sanitizer builds
# need the loader program built the same way).
mkvar() { sed -n "s/^$1 = //p" "$top/Makefile" | head -n 1; }
CC=$(mkvar CC)
TREE_CFLAGS=$(mkvar CFLAGS)
TREE_LDFLAGS=$(mkvar LDFLAGS)
PKG_CONFIG=$(mkvar PKG_CONFIG)
: "${PKG_CONFIG:=pkg-config}"

stage="$tmp/stage"
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top" install DESTDIR="$stage" \
    >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"; echo "FAIL: make install DESTDIR=$stage"; exit 1
fi
pc=$(find "$stage" -name snow-plugin.pc | head -n 1)
test -n "$pc" || { echo "FAIL: snow-plugin.pc not installed"; exit 1; }
PKG_CONFIG_LIBDIR=$(dirname "$pc")
PKG_CONFIG_PATH=$PKG_CONFIG_LIBDIR
PKG_CONFIG_SYSROOT_DIR=$stage
export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# pkgconf may or may not prefix the sysroot to --variable output.
staged() { case $1 in "$stage"*) echo "$1" ;; *) echo "$stage$1" ;; esac; }

# The .pc's ABI variables agree with the installed header.
inc=$(staged "$($PKG_CONFIG --variable=includedir snow-plugin)")
for v in major minor; do
  want=$($PKG_CONFIG --variable=abi_$v snow-plugin)
  V=$(echo "$v" | tr a-z A-Z)
  grep -q "^#define SNOW_PLUGIN_ABI_$V $want\$" "$inc/snow/plugin.h" ||
    { echo "FAIL: snow-plugin.pc abi_$v=$want disagrees with plugin.h"; exit 1; }
done

# Out-of-tree build of the example (no sanitizer flags: -z defs must hold).
mkdir "$tmp/build"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$tmp/build" -f "$src/contrib/transport-example/Makefile" CC="$CC" \
  PKG_CONFIG="$PKG_CONFIG"
so="$tmp/build/unix.so"
test -f "$so"
if nm -D --undefined-only "$so" | grep -E ' (snow_|sk_)'; then
  echo "FAIL: the example needs kernel symbols"; exit 1
fi

# A loader built against the staged install loads it.
libdir=$(staged "$($PKG_CONFIG --variable=libdir snow)")
# shellcheck disable=SC2086
$CC $TREE_CFLAGS $($PKG_CONFIG --cflags snow) -o "$tmp/load_list" "$src/tests/plugins/load_list.c" \
  $TREE_LDFLAGS $($PKG_CONFIG --libs snow)
printf '# example list\ntransport unix %s backlog=16\n' "$so" >"$tmp/plugins.conf"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/load_list" "$tmp/plugins.conf")
test "$out" = "transport unix 1.0.0" || { echo "FAIL: got '$out'"; exit 1; }

# plugin-info from the descriptor alone.
info=$(LD_LIBRARY_PATH="$libdir" "$tmp/load_list" -i "$so")
echo "$info" | grep -qx 'option backlog: int, default 64, range \[1, 65535\] -- listen(2) backlog' ||
  { echo "$info"; echo "FAIL: describe"; exit 1; }

# A bad option is refused with file:line:col and a suggestion.
printf 'transport unix %s backlg=16\n' "$so" >"$tmp/bad.conf"
if LD_LIBRARY_PATH="$libdir" "$tmp/load_list" "$tmp/bad.conf" 2>"$tmp/err"; then
  echo "FAIL: bad option accepted"; exit 1
fi
grep -q "bad.conf:1:[0-9]*: plugin \"unix\" ($so): unknown option \"backlg\" (did you mean \"backlog\"?)" "$tmp/err" ||
  { cat "$tmp/err"; echo "FAIL: wrong message"; exit 1; }
echo "PASS: staged install, out-of-tree example build, load"
