/* SPDX-License-Identifier: MIT */
/* Behaviour every socket transport must show, run once per transport plugin. */
#ifndef SNOW_TEST_TRANSPORT_CASES_H
#define SNOW_TEST_TRANSPORT_CASES_H

#include <check.h>

#include "plugin_harness.h"

/* Add the shared transport TCases to s, each loading `plugin` (a .so name
 * in $SNOW_PLUGIN_PATH) with options kv (NULL-terminated key, value pairs;
 * must outlive the run). */
void transport_cases_add(Suite *s, const char *plugin, const char *const *opts);

#endif /* SNOW_TEST_TRANSPORT_CASES_H */
