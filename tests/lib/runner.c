/* SPDX-License-Identifier: MIT */
/* The one main() every Check binary shares: fork mode, env-selected cases. */
#include <stdlib.h>

#include "snow_check.h"

int main(void)
{
    SRunner *sr = srunner_create(snow_test_suite());
    /* Fork mode stays on (Check's default) so one crashing test does not
     * stop the rest; CK_FORK=no in the environment turns it off for gdb.
     * CK_RUN_SUITE / CK_RUN_CASE select tests while developing. */
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
