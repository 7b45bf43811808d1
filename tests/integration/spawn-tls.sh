#!/bin/sh
# SPDX-License-Identifier: MIT
# The spawn-by-name scenarios over transport_tls.
SNOW_TEST_TRANSPORT=tls exec "$(dirname "$0")/check_spawn" "$@"
