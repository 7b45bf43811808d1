#!/bin/sh
# SPDX-License-Identifier: MIT
# The fault-tolerance scenarios over transport_tcp.
SNOW_TEST_TRANSPORT=tcp exec "${SNOW_TOP_BUILDDIR:-$(dirname "$0")/../..}/tests/integration/check_ft" "$@"
