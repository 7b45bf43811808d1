/* SPDX-License-Identifier: MIT */
/* Helpers shared by the runtime tests: run a body in a process, wait. */
#ifndef SNOW_TEST_RT_UTIL_H
#define SNOW_TEST_RT_UTIL_H

#include <snow/snow.h>

#include "snow_check.h"

/* ThreadSanitizer slows context switches ~10x: load tests run fewer laps
 * there (the full sizes run in the normal and ASan builds). */
#if defined(__SANITIZE_THREAD__)
#define RT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RT_TSAN 1
#endif
#endif
#ifdef RT_TSAN
#define RT_TSAN_DIV 10
#else
#define RT_TSAN_DIV 1
#endif

/* Starts the runtime with n schedulers (0 = cores). */
static inline void rt_start(unsigned n)
{
    struct snow_init_opts o = {.size = sizeof o, .schedulers = n};
    ck_assert_snow_ok(snow_init(&o));
}

static inline void rt_stop(void)
{
    ck_assert_snow_ok(snow_shutdown());
    ck_assert_uint_eq(snow_process_count(), 0);
}

/* Spawns fn(arg) from this plain thread, joins it, and checks it exited
 * with reason `want` (an atom name). Bounded by timeout_ms. */
static inline void rt_run(snow_proc_fn fn, const snow_term *arg, const char *want,
                          int64_t timeout_ms)
{
    snow_pid pid;
    ck_assert_snow_ok(snow_spawn(fn, arg, &pid));
    snow_term *reason = NULL;
    ck_assert_snow_ok(snow_join(pid, timeout_ms, &reason));
    const char *name = "(not an atom)";
    size_t len = 14;
    snow_term_atom(reason, &name, &len);
    ck_assert_msg(snow_term_is_atom(reason, want), "process exited with %.*s (type %d), expected %s",
                  (int)len, name, (int)snow_term_type(reason), want);
    snow_term_release(reason);
}

/* Check records every passing ck_assert (a write per call in fork mode),
 * so hot loops use this: silent unless it fails. */
#define RT_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg("check failed: %s", #cond);                           \
    } while (0)

/* Receives one message or fails the test (process context). */
static inline snow_term *rt_recv(int64_t timeout_ms)
{
    snow_term *m = NULL;
    int rc = snow_receive(timeout_ms, &m);
    if (rc != 0)
        ck_abort_msg("snow_receive: %s", snow_strerror_name(rc));
    return m;
}

/* Receives the next message, which must be {down, Ref, Pid, Reason} with
 * Reason the atom `reason` (process context). */
static inline void rt_expect_down(const char *reason, int64_t timeout_ms)
{
    snow_term *d = rt_recv(timeout_ms);
    const snow_term *why = NULL;
    if (!snow_term_is_tuple_tagged(d, 4, "down") || snow_term_elem(d, 3, &why) != 0 ||
        !snow_term_is_atom(why, reason)) {
        char *text = snow_term_format_alloc(d);
        ck_abort_msg("expected {down, _, _, %s}, got %s", reason, text ? text : "?");
    }
    snow_term_release(d);
}

/* Exits the calling process with the atom `ok`. */
static inline void rt_ok(void)
{
    snow_term *ok = snow_atom("ok");
    snow_exit(ok);
}

#endif /* SNOW_TEST_RT_UTIL_H */
