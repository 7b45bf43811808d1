/* SPDX-License-Identifier: MIT */
/* snowd: run a Snow node from the command line. */
#include <dlfcn.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <snow/node.h>
#include <snow/snow.h>
#include <snow/spawn.h>

#include "console.h"
#include "services.h"

enum { EXIT_USAGE = 2, EXIT_CONFIG = 3 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: snowd --name NAME@HOST[:PORT] [options]\n"
            "\n"
            "Runs a Snow node: listens for other nodes, connects to seeds, logs node\n"
            "up/down, and serves the built-in processes \"echo\" and \"ping\".\n"
            "\n"
            "  -n, --name NAME@HOST[:PORT]  node name (port 0 or none: the OS picks one)\n"
            "  -c, --cookie TEXT            cookie (default: ~/.snow.cookie, created 0400)\n"
            "  -p, --plugins FILE           plugin list file (default: built-in list:\n"
            "                               tls transport, cookie auth, discovery, registry)\n"
            "  -C, --connect NODE           connect to NODE at start (repeatable)\n"
            "  -t, --tick MS                heartbeat: a peer silent this long is down (60000)\n"
            "      --handshake MS           deadline for a new connection's handshake (5000)\n"
            "  -l, --listen ADDR            listen address if different from the name's\n"
            "  -s, --schedulers N           scheduler threads (default: one per core)\n"
            "  -a, --app FILE.so            load an application module: the functions it\n"
            "                               registers become spawnable cluster-wide (repeatable)\n"
            "      --console                read commands from stdin (tests, tools)\n"
            "  -h, --help                   this text\n"
            "\n"
            "Exit status: 0 after SIGTERM/SIGINT or console quit, 1 runtime error,\n"
            "2 bad usage, 3 the node could not start (name, cookie, plugins, listen,\n"
            "an --app module).\n");
}

struct args {
    const char *name, *cookie, *plugins, *listen;
    const char *seeds[64];
    int nseeds;
    const char *apps[16];
    int napps;
    unsigned tick_ms, handshake_ms, schedulers;
    int console;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},    {"cookie", required_argument, NULL, 'c'},
        {"plugins", required_argument, NULL, 'p'}, {"connect", required_argument, NULL, 'C'},
        {"tick", required_argument, NULL, 't'},    {"listen", required_argument, NULL, 'l'},
        {"schedulers", required_argument, NULL, 's'}, {"console", no_argument, NULL, 'K'},
        {"app", required_argument, NULL, 'a'},
        {"handshake", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "n:c:p:C:t:l:s:a:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'n': a->name = optarg; break;
        case 'c': a->cookie = optarg; break;
        case 'p': a->plugins = optarg; break;
        case 'l': a->listen = optarg; break;
        case 'C':
            if (a->nseeds == 64) {
                fprintf(stderr, "snowd: at most 64 --connect options\n");
                return EXIT_USAGE;
            }
            a->seeds[a->nseeds++] = optarg;
            break;
        case 'a':
            if (a->napps == 16) {
                fprintf(stderr, "snowd: at most 16 --app options\n");
                return EXIT_USAGE;
            }
            a->apps[a->napps++] = optarg;
            break;
        case 't': a->tick_ms = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'H': a->handshake_ms = (unsigned)strtoul(optarg, NULL, 10); break;
        case 's': a->schedulers = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'K': a->console = 1; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (a->name == NULL || optind != argc) {
        fprintf(stderr, "snowd: %s\n", a->name ? "unexpected argument" : "--name is required");
        usage(stderr);
        return EXIT_USAGE;
    }
    return 0;
}

/* Loads an application module. Its SNOW_FUNCTION registrations run inside
 * dlopen; one that fails (a name already taken) fails the load. Modules stay
 * loaded for the life of the node (their code may be running anywhere). */
static int load_app(const char *path)
{
    unsigned before = snow_function_load_errors();
    size_t nbefore = snow_function_count();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "snowd: --app %s: %s\n", path, dlerror());
        return -1;
    }
    if (snow_function_load_errors() != before) {
        fprintf(stderr, "snowd: --app %s: some functions could not be registered (see above)\n",
                path);
        return -1;
    }
    fprintf(stderr, "snowd: --app %s: %zu functions registered\n", path,
            snow_function_count() - nbefore);
    return 0;
}

static void *console_main(void *arg)
{
    (void)arg;
    char line[4096];
    while (fgets(line, sizeof line, stdin) != NULL)
        if (!snowd_console_line(line))
            break;
    kill(getpid(), SIGTERM); /* quit or end of input: stop the node */
    return NULL;
}

int main(int argc, char **argv)
{
    struct args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;

    /* Signals are taken synchronously by main; every thread inherits the
     * mask. SIGPIPE is never wanted (transports use MSG_NOSIGNAL too). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    for (int i = 0; i < a.napps; i++)
        if (load_app(a.apps[i]) != 0)
            return EXIT_CONFIG;

    struct snow_init_opts io = {.size = sizeof io, .schedulers = a.schedulers};
    if ((rc = snow_init(&io)) != 0) {
        fprintf(stderr, "snowd: runtime: %s\n", snow_strerror(rc));
        return 1;
    }
    struct snow_node_opts no = {
        .size = sizeof no, .plugin_list = a.plugins, .tick_ms = a.tick_ms,
        .handshake_ms = a.handshake_ms, .listen = a.listen};
    if ((rc = snow_node_start(a.name, a.cookie, &no)) != 0) {
        fprintf(stderr, "snowd: cannot start node %s: %s: %s\n", a.name, snow_strerror_name(rc),
                snow_node_last_error());
        snow_shutdown();
        return EXIT_CONFIG;
    }
    if ((rc = snowd_start_services()) != 0 || (rc = snowd_start_node_logger()) != 0) {
        fprintf(stderr, "snowd: built-in services: %s\n", snow_strerror(rc));
        snow_shutdown();
        return 1;
    }
    for (int i = 0; i < a.nseeds; i++) {
        rc = snow_node_connect(a.seeds[i]);
        if (rc != 0)
            fprintf(stderr, "snowd: connect %s: %s: %s\n", a.seeds[i], snow_strerror_name(rc),
                    snow_node_last_error());
    }
    snowd_out("READY %s %s", snow_node_self(), snow_node_address());

    pthread_t console;
    if (a.console && pthread_create(&console, NULL, console_main, NULL) != 0) {
        fprintf(stderr, "snowd: cannot start the console thread\n");
        a.console = 0;
    }
    int sig;
    sigwait(&set, &sig);
    snowd_out("EVENT stopping");
    snow_node_stop();
    snow_shutdown();
    return 0;
}
