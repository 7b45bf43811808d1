#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's first command: install build dependencies, build, run the demo.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends build-essential autoconf automake \
    libtool pkg-config libgnutls28-dev libevent-dev check >/dev/null
fi
[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure -q
make -j"$(nproc)" >/dev/null
if [ -x contrib/demo/snow-demo ]; then
  contrib/demo/snow-demo "$@"   # one node: supervision, crash and restart
fi
exec contrib/demo/cluster.sh     # three nodes over TLS: mesh, messages, nodedown
