#!/bin/sh
# SPDX-License-Identifier: MIT
# The distribution scenarios over transport_tcp (the plugin is swapped by the list file).
SNOW_TEST_TRANSPORT=tcp exec "${SNOW_TOP_BUILDDIR:-$(dirname "$0")/../..}/tests/integration/check_dist" "$@"
