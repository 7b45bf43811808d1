#!/bin/sh
# SPDX-License-Identifier: MIT
# The fault-tolerance scenarios over transport_tls.
SNOW_TEST_TRANSPORT=tls exec "$(dirname "$0")/check_ft" "$@"
