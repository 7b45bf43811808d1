/* SPDX-License-Identifier: MIT */
/* Console probes for spawning by name on other nodes (tests and tools). */
#ifndef SNOWD_RSPAWN_H
#define SNOWD_RSPAWN_H

#include <stdbool.h>

/*
 * Each handles one console command and prints its one answer line
 * (OK ... or ERR <SNOW_E name> <text>):
 *   rspawn NODE FN [ARG [MS]]      snow_node_spawn from the console thread;
 *                                  ARG is term text, "nil", or "FUN" (a
 *                                  term holding a function); MS a timeout.
 *                                  OK <pid> <node of pid>
 *   rspawn_echo NODE FN REASON     a process spawns FN, monitors it, sends
 *                                  {Self, {hello, 42}}, expects it back,
 *                                  sends {Self, {exit, REASON}}, waits for
 *                                  down. OK echo=<term> down=<reason>
 *   rspawn_link NODE FN MODE REASON   spawn_link FN, then:
 *      die     ask the child to exit with REASON; the caller must die too.
 *              OK caller=<caller's exit reason>
 *      trap    the caller traps exits. OK trapped=<reason in {exit,P,R}>
 *      orphan  the caller exits with REASON; a local monitor on the child
 *              reports its end. OK child=<child's down reason>
 *      hold    the caller traps exits, prints "EVENT rspawn_linked" and
 *              waits (10 s) for {exit, Child, R}. OK trapped=<R>
 *   rspawn_loop NODE FN N          N sequential spawns of FN with arg
 *                                  {Caller, I}; each child must send
 *                                  {spawned, I}. OK n= ms= p50us= p99us=
 * FN is expected to follow the test workers' protocol (tests/integration/
 * app_worker.c).
 */
bool rspawn_console(const char *cmd, char *a1, char *a2, char *a3, char *a4);

#endif /* SNOWD_RSPAWN_H */
