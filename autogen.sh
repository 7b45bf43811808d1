#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerate the build system from configure.ac and the local.am fragments.
set -e
cd "$(dirname "$0")"
autoreconf -fi
