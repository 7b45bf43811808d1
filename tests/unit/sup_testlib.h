/* SPDX-License-Identifier: MIT */
/* Helpers for the supervisor tests: an event log, test workers, exit watchers. */
#ifndef SNOW_TEST_SUP_TESTLIB_H
#define SNOW_TEST_SUP_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>

#include <snow/snow.h>
#include <snow/supervisor.h>

#include "snow_check.h"

/* Every wait in the supervisor tests is bounded by this (ms). */
#define WAIT_MS 10000

/* ---- workers ----
 * A worker's argument is {Id, Mode}. It logs "start:Id", then serves:
 *   crash        -> exits with reason `boom`
 *   stop         -> returns (reason `normal`)
 * With MODE_TRAP it traps exits and logs "stop:Id" on an exit signal, then
 * exits with that signal's reason; with MODE_STUBBORN it logs and ignores
 * `shutdown` (so only `kill` stops it). */
enum { MODE_PLAIN = 0, MODE_TRAP = 1, MODE_STUBBORN = 2 };

/* The event log: workers append "start:Id", "stop:Id", ...; the test thread
 * waits for a count and compares the text. */
void ev_add(const char *what, const char *id);
bool ev_wait(size_t n);
const char *ev_str(size_t from);
size_t ev_count(void);

/* Waits for n more events after `base` and checks them against `want`. */
#define ck_assert_events(base, n, want)                                                   \
    do {                                                                                  \
        ck_assert_msg(ev_wait((base) + (n)), "timed out waiting for \"%s\", have \"%s\"", \
                      (want), ev_str(base));                                              \
        ck_assert_str_eq(ev_str(base), (want));                                           \
    } while (0)

/* Workers, specs and flags (specs own their argument terms: spec_free). */
void worker(const snow_term *arg);
snow_term *warg(const char *id, int mode);
struct snow_child_spec spec(const char *id, int mode, enum snow_sup_restart restart);
void spec_free(struct snow_child_spec *s, size_t n);
struct snow_sup_flags flags(enum snow_sup_strategy st, int max_restarts);

/* Supervisor and process helpers. */
snow_pid child(snow_pid sup, const char *id);
void send_atom(snow_pid to, const char *atom);
snow_pid watch(snow_pid pid);
void join_reason(snow_pid w, const char *want);
void await_child_rc(snow_pid sup, const char *id, int want);
snow_pid start3_opt(enum snow_sup_strategy st, int mode, int max_restarts, bool ordered);
snow_pid start3(enum snow_sup_strategy st, int mode, int max_restarts);

#endif /* SNOW_TEST_SUP_TESTLIB_H */
