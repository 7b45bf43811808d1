#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks that the README's "Writing a process" listing is exactly
# contrib/examples/hello.c, which `make` compiles, so the README cannot rot.
top=${SNOW_TOP_SRCDIR:-$(dirname "$0")/..}
tmp=$(mktemp) || exit 99
trap 'rm -f "$tmp"' EXIT
awk '/^## Writing a process/ { in_sec = 1 }
     in_sec && /^```c$/ && !done { grab = 1; next }
     grab && /^```$/ { grab = 0; done = 1 }
     grab { print }' "$top/README.md" >"$tmp"
if [ ! -s "$tmp" ]; then
  echo "README.md: no C listing under \"Writing a process\""
  exit 1
fi
diff -u "$top/contrib/examples/hello.c" "$tmp" || {
  echo "README.md's listing differs from contrib/examples/hello.c (update one from the other)"
  exit 1
}
