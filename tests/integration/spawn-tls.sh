#!/bin/sh
# SPDX-License-Identifier: MIT
# The spawn-by-name scenarios over transport_tls.
SNOW_TEST_TRANSPORT=tls exec "${SNOW_TOP_BUILDDIR:-$(dirname "$0")/../..}/tests/integration/check_spawn" "$@"
