/* SPDX-License-Identifier: MIT */
/* snowd --console: one command per stdin line, one answer line each. */
#ifndef SNOWD_CONSOLE_H
#define SNOWD_CONSOLE_H

#include <stdbool.h>

/* Runs one command line (modified in place). False: the command was quit. */
bool snowd_console_line(char *line);

#endif /* SNOWD_CONSOLE_H */
