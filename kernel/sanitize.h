/* SPDX-License-Identifier: MIT */
/* Sanitizer hooks for stack switching; empty in normal builds. */
#ifndef SK_SANITIZE_H
#define SK_SANITIZE_H

#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(SNOW_ASAN)
#define SNOW_ASAN 1
#endif
#if __has_feature(thread_sanitizer) && !defined(SNOW_TSAN)
#define SNOW_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SNOW_ASAN)
#define SNOW_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(SNOW_TSAN)
#define SNOW_TSAN 1
#endif

#ifdef SNOW_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define sk_asan_unpoison(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define sk_asan_unpoison(p, n) ((void)(p), (void)(n))
#endif

#ifdef SNOW_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#endif /* SK_SANITIZE_H */
