#!/bin/sh
# SPDX-License-Identifier: MIT
# The network-cut scenario over transport_tls.
SNOW_TEST_TRANSPORT=tls exec "$(dirname "$0")/netcut.sh" "$@"
