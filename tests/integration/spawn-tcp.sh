#!/bin/sh
# SPDX-License-Identifier: MIT
# The spawn-by-name scenarios over transport_tcp.
SNOW_TEST_TRANSPORT=tcp exec "$(dirname "$0")/check_spawn" "$@"
