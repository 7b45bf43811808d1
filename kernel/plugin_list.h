/* SPDX-License-Identifier: MIT */
/* The plugin list file: parsed entries, each remembering its file and line. */
#ifndef SK_PLUGIN_LIST_H
#define SK_PLUGIN_LIST_H

#include <stddef.h>

#include <snow/plugin.h>

/*
 * List-file format (one plugin per line; documented for users in
 * contrib/PLUGINS.md):
 *
 *   # a comment runs to the end of the line (outside quotes)
 *   <kind> <name> [<path>] [<key>=<value> ...]
 *
 * kind   transport | auth | discovery | registry | bridge
 * name   [a-z0-9_-], 1..32 chars; must equal the plugin's descriptor name
 * path   optional; without it the file is "<name>.so". A relative path is
 *        searched in each directory of SNOW_PLUGIN_PATH when that is set
 *        (it overrides), else in the plugin directory; an absolute path is
 *        used as given.
 * value  a bare word, or "double quoted" with \" and \\ escapes.
 *
 * Every entry records its file, line and the column of each token, so
 * errors found later (duplicate name, failed init) can point at it.
 */

#define SK_PLUGIN_NAME_MAX 32
#define SK_PLUGIN_MAX_OPTS 64

struct sk_plugin_opt {
    char *key;
    char *value;
    int line;
    int col;       /* 1-based column of the key */
    int value_col; /* 1-based column of the value */
};

struct sk_plugin_entry {
    const char *file; /* the list's file name (owned by the list) */
    int line;
    enum snow_plugin_kind kind;
    char *name;
    char *path;       /* as written; NULL when omitted */
    size_t nopts;
    struct sk_plugin_opt *opts;
};

struct sk_plugin_list {
    char *file;
    size_t n;
    struct sk_plugin_entry *entries;
};

/* Parses list text. `file` names it in messages ("<default>" for the
 * built-in list). On error returns SNOW_ECONFIG (or SNOW_ENOMEM) with
 * "file:line:col: what" in err; *out is then empty. */
int sk_plugin_list_parse(const char *file, const char *text, struct sk_plugin_list *out,
                         char *err, size_t errlen);
/* Reads and parses a list file; an unreadable file is SNOW_ECONFIG with
 * "path: strerror". */
int sk_plugin_list_read(const char *path, struct sk_plugin_list *out, char *err,
                        size_t errlen);
void sk_plugin_list_free(struct sk_plugin_list *l);

/* The built-in list used by a node started without one. */
extern const char sk_plugin_default_list[];

/* Kind <-> list-file word. */
const char *sk_plugin_kind_name(int kind); /* "?" when unknown */
int sk_plugin_kind_parse(const char *word); /* 0 when unknown */

/* The closest of cands[0..n) to word within a small edit distance, or NULL:
 * the "did you mean" of every unknown-word message. */
const char *sk_did_you_mean(const char *word, const char *const *cands, size_t n);

/* True when s is a valid plugin name. */
int sk_plugin_name_valid(const char *s);

#endif /* SK_PLUGIN_LIST_H */
