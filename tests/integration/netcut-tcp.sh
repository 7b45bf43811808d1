#!/bin/sh
# SPDX-License-Identifier: MIT
# The network-cut scenario over transport_tcp.
SNOW_TEST_TRANSPORT=tcp exec "$(dirname "$0")/netcut.sh" "$@"
