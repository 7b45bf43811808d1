#!/bin/sh
# SPDX-License-Identifier: MIT
# The distribution scenarios over transport_tls (the plugin is swapped by the list file).
SNOW_TEST_TRANSPORT=tls exec "$(dirname "$0")/check_dist" "$@"
