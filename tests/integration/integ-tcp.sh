#!/bin/sh
# SPDX-License-Identifier: MIT
# The distribution scenarios over transport_tcp (the plugin is swapped by the list file).
SNOW_TEST_TRANSPORT=tcp exec "$(dirname "$0")/check_dist" "$@"
