/* SPDX-License-Identifier: MIT */
/* Kernel log lines: level, stable message id, text. */
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_int log_threshold = -1;
static char log_node[256];

static int log_level_from_env(void)
{
    const char *e = getenv("SNOW_LOG_LEVEL");
    if (e == NULL)
        return SK_LOG_INFO;
    if (strcmp(e, "error") == 0)
        return SK_LOG_ERROR;
    if (strcmp(e, "warn") == 0)
        return SK_LOG_WARN;
    if (strcmp(e, "debug") == 0)
        return SK_LOG_DEBUG;
    return SK_LOG_INFO;
}

bool sk_log_enabled(enum sk_log_level level)
{
    int t = atomic_load_explicit(&log_threshold, memory_order_relaxed);
    if (t < 0) {
        t = log_level_from_env();
        atomic_store(&log_threshold, t);
    }
    return (int)level <= t;
}

void sk_log_set_node(const char *name)
{
    snprintf(log_node, sizeof log_node, "%s", name ? name : "");
}

static const char *level_name(enum sk_log_level level)
{
    switch (level) {
    case SK_LOG_ERROR: return "ERROR";
    case SK_LOG_WARN: return "WARN";
    case SK_LOG_INFO: return "INFO";
    default: return "DEBUG";
    }
}

static void sk_log_line(enum sk_log_level level, const char *prefix, const char *msgid,
                        const char *text)
{
    if (!sk_log_enabled(level))
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    /* one fprintf per line so lines from threads do not interleave */
    fprintf(stderr, "%02d:%02d:%02d.%03ld snow[%s] %s %s%s%s: %s\n", tm.tm_hour, tm.tm_min,
            tm.tm_sec, ts.tv_nsec / 1000000, log_node, level_name(level), prefix ? prefix : "",
            prefix ? ": " : "", msgid, text);
}

void sk_vlog(enum sk_log_level level, const char *prefix, const char *msgid, const char *fmt,
             va_list ap)
{
    if (!sk_log_enabled(level))
        return;
    char text[1024];
    vsnprintf(text, sizeof text, fmt, ap);
    sk_log_line(level, prefix, msgid, text);
}

void sk_log(enum sk_log_level level, const char *msgid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sk_vlog(level, NULL, msgid, fmt, ap);
    va_end(ap);
}

void sk_log_plugin(enum sk_log_level level, const char *plugin, const char *msgid,
                   const char *text)
{
    sk_log_line(level, plugin, msgid, text);
}
