/* SPDX-License-Identifier: MIT */
/* Spawning by function name: the function registry and remote spawn (EXEC-01..03). */
#ifndef SNOW_SPAWN_H
#define SNOW_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snow/error.h>
#include <snow/export.h>
#include <snow/snow.h>
#include <snow/term.h>
#include <snow/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================
 * The function registry (EXEC-03)
 *
 * A function pointer means nothing in another address space, so a process
 * started on another node is named by a string: "worker.echo". Each program,
 * plugin or application module registers the entry functions it offers;
 * different binaries in one cluster may offer different sets.
 *
 * Names: 1..SNOW_FUNCTION_NAME_MAX bytes of printable ASCII without spaces;
 * namespaced by convention with dots ("app.component.fn").
 * The registry works before snow_init (so load-time registration works) and
 * is safe from any thread.
 * ====================================================================== */

#define SNOW_FUNCTION_NAME_MAX 255

/* Registers name -> fn. Returns 0, SNOW_EINVAL (bad name or NULL fn),
 * SNOW_EEXIST (the name is taken, whatever function holds it),
 * SNOW_ENOMEM. */
SNOW_API int snow_function_register(const char *name, snow_proc_fn fn);

/* Removes name if it maps to fn (fn NULL: whatever it maps to).
 * Returns 0 or SNOW_ENOENT. */
SNOW_API int snow_function_unregister(const char *name, snow_proc_fn fn);

/* Looks name up. Returns 0 and *fn, SNOW_EINVAL or SNOW_ENOENT. */
SNOW_API int snow_function_lookup(const char *name, snow_proc_fn *fn);

/* Number of registered names (for tools and tests). */
SNOW_API size_t snow_function_count(void);

/* Load-time registration, for the registration macro below: as
 * snow_function_register, but a failure (a duplicate name) cannot be
 * returned from a constructor, so it is written to stderr and counted;
 * snow_function_load_errors() tells a loader (snowd --app) that a module's
 * registrations did not all succeed. */
SNOW_API int snow_function_register_at_load(const char *name, snow_proc_fn fn,
                                            const char *file, int line);
SNOW_API unsigned snow_function_load_errors(void);

/* SNOW_FUNCTION(id, "name", fn): registers fn as "name" when the program or
 * module is loaded (an ELF constructor, before main or during dlopen) and
 * unregisters it when the module is unloaded. `id` is a C identifier unique
 * in the file (it names the generated functions). */
#define SNOW_FUNCTION(id, name, fn)                                                \
    __attribute__((constructor)) static void snow_fnreg_##id(void)               \
    {                                                                             \
        snow_function_register_at_load((name), (fn), __FILE__, __LINE__);         \
    }                                                                             \
    __attribute__((destructor)) static void snow_fnunreg_##id(void)              \
    {                                                                             \
        snow_function_unregister((name), (fn));                                   \
    }

/* ======================================================================
 * Spawning by name, on any node (EXEC-01, EXEC-02)
 * ====================================================================== */

/* Options for snow_node_spawn_opt. Zero-initialise and set `size`. */
struct snow_node_spawn_opts {
    size_t size;
    /* Link caller <-> child before the child runs its first instruction. A
     * link crosses nodes: a lost connection gives both sides noconnection. */
    bool link;
    /* How long to wait for the remote node's answer; 0 = 10000 ms. */
    int64_t timeout_ms;
};

/*
 * Starts a process running the function registered as `name` on `node`
 * ("alive@host"; NULL or this node's own name: the local registry, same
 * semantics, no encoding), with `args` (not stolen; NULL = nil) as its
 * argument, and stores its pid in *out.
 *
 * For another node the args are encoded in STF before anything is sent: a
 * function term inside them fails with SNOW_ENOTSERIALIZABLE (the text
 * names the path). The call then waits for the remote node's answer.
 *
 * The caller is normally a Snow process: it waits by selective receive on a
 * unique reference, so its other messages stay queued in order. A plain
 * thread may call it too (a helper process waits for it), except with
 * link, which needs a process to link to: SNOW_ENOTPROC.
 *
 * Returns 0 or:
 *   SNOW_ENOFUNC      no function of that name on that node
 *   SNOW_ENOCONN      node not connected, or the connection was lost during
 *                     the call (noconnection); the caller is not linked
 *   SNOW_ETIMEDOUT    no answer in time (a child started late is killed if
 *                     the call asked for a link, else left running)
 *   SNOW_ENOTSERIALIZABLE, SNOW_EMSGSIZE  args cannot be sent
 *   SNOW_ELIMIT, SNOW_ENOMEM, SNOW_ESTATE  the spawn itself failed (on
 *                     whichever node)
 *   SNOW_EINVAL       bad name or NULL out
 * On every error snow_node_last_error() (read it on the same thread, right
 * after the call) says what failed, naming the function and the node.
 */
SNOW_API int snow_node_spawn(const char *node, const char *name, const snow_term *args,
                             snow_pid *out);
SNOW_API int snow_node_spawn_link(const char *node, const char *name, const snow_term *args,
                                  snow_pid *out);
SNOW_API int snow_node_spawn_opt(const char *node, const char *name, const snow_term *args,
                                 const struct snow_node_spawn_opts *opts, snow_pid *out);

#ifdef __cplusplus
}
#endif
#endif /* SNOW_SPAWN_H */
