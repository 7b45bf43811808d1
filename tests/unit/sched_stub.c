/* SPDX-License-Identifier: MIT */
/* For unit tests that compile one kernel module alone: no schedulers. */
#include "scheduler.h"

struct sk_sched_set sk_scheds;

struct sk_sched *sk_sched_self(void) { return NULL; }
