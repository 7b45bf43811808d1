/* SPDX-License-Identifier: MIT */
/* Loads a plugin list through the public API and prints what loaded (or describes one plugin). */
#include <stdio.h>
#include <stdlib.h>

#include <snow/plugin_host.h>

/* Used by tests/plugin_install.sh against a staged `make install`: proves
 * the installed libsnow and headers load a plugin built out of tree. */
int main(int argc, char **argv)
{
    char err[1024];
    if (argc == 3 && argv[1][0] == '-' && argv[1][1] == 'i') {
        char out[4096];
        int n = snow_plugin_describe(argv[2], out, sizeof out, err, sizeof err);
        if (n < 0) {
            fprintf(stderr, "%s: %s\n", snow_strerror_name(n), err);
            return 1;
        }
        fputs(out, stdout);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s LIST-FILE | -i PLUGIN\n", argv[0]);
        return 2;
    }
    int rc = snow_plugins_load(argv[1], err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", snow_strerror_name(rc), err);
        return 1;
    }
    for (size_t i = 0; i < snow_plugins_count(); i++) {
        const char *name, *kind, *version;
        if (snow_plugins_info(i, &name, &kind, &version) == 0)
            printf("%s %s %s\n", kind, name, version);
    }
    return snow_plugins_unload() == 0 ? 0 : 1;
}
