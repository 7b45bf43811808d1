#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs one test program with sanitizer options and a timeout scale that suit
# slow CI and sanitizer builds.
: "${CK_TIMEOUT_MULTIPLIER:=4}"
export CK_TIMEOUT_MULTIPLIER
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}"
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
export ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
exec "$@"
