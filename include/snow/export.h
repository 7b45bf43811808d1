/* SPDX-License-Identifier: MIT */
/* Symbol visibility for libsnow's public API. */
#ifndef SNOW_EXPORT_H
#define SNOW_EXPORT_H

/* libsnow builds with -fvisibility=hidden; only SNOW_API symbols are exported. */
#if defined(__GNUC__) || defined(__clang__)
#define SNOW_API __attribute__((visibility("default")))
#else
#define SNOW_API
#endif

#endif /* SNOW_EXPORT_H */
