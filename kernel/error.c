/* SPDX-License-Identifier: MIT */
/* snow_strerror: code -> text, generated from the list in error.h. */
#include <snow/error.h>

#include <stddef.h>

struct error_entry {
    int code;
    const char *name;
    const char *text;
};

static const struct error_entry error_table[] = {
    {SNOW_OK, "SNOW_OK", "success"},
#define ERROR_ENTRY_(name, value, text) {value, #name, text},
    SNOW_ERROR_LIST(ERROR_ENTRY_)
#undef ERROR_ENTRY_
};

static const struct error_entry *error_find(int code)
{
    for (size_t i = 0; i < sizeof error_table / sizeof error_table[0]; i++)
        if (error_table[i].code == code)
            return &error_table[i];
    return NULL;
}

const char *snow_strerror(int code)
{
    const struct error_entry *e = error_find(code);
    return e ? e->text : "unknown error code";
}

const char *snow_strerror_name(int code)
{
    const struct error_entry *e = error_find(code);
    return e ? e->name : "SNOW_E?";
}
