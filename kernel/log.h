/* SPDX-License-Identifier: MIT */
/* Kernel log lines: level, stable message id, text. */
#ifndef SK_LOG_H
#define SK_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum sk_log_level { SK_LOG_ERROR = 3, SK_LOG_WARN = 4, SK_LOG_INFO = 6, SK_LOG_DEBUG = 7 };

/* One line to stderr: "snow[<node>] <LEVEL> <MSGID>: <text>". The threshold
 * comes from $SNOW_LOG_LEVEL (error|warn|info|debug; default info). Message
 * ids (SNOW-<AREA>-<WHAT>) are stable so tests and operators grep them. */
void sk_log(enum sk_log_level level, const char *msgid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sk_vlog(enum sk_log_level level, const char *prefix, const char *msgid, const char *fmt,
             va_list ap) __attribute__((format(printf, 4, 0)));
bool sk_log_enabled(enum sk_log_level level);
/* A plugin's line (already formatted), prefixed with the plugin's name. */
void sk_log_plugin(enum sk_log_level level, const char *plugin, const char *msgid,
                   const char *text);
/* The node name shown in log lines ("" before a node is started). */
void sk_log_set_node(const char *name);

#endif /* SK_LOG_H */
