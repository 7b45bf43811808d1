/* SPDX-License-Identifier: MIT */
/* A stack overflow hits the guard page (SIGSEGV), where the kernel has them. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_util.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#if defined(__SANITIZE_ADDRESS__)
#define GUARD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GUARD_ASAN 1
#endif
#endif

/* Does this kernel take MADV_GUARD_INSTALL (Linux >= 6.13)? */
static bool guard_supported(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    void *a = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return false;
    bool ok = madvise(a, (size_t)pg, MADV_GUARD_INSTALL) == 0;
    munmap(a, (size_t)pg * 2);
    return ok;
}

/* Recurses until `limit` (never reached: 1 GiB of frames); the bound
 * only keeps compilers from flagging infinite recursion. */
static volatile int recurse_limit = 1 << 21;

static int recurse(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    if (n >= recurse_limit)
        return 0;
    return recurse(n + 1) + pad[0]; /* not a tail call */
}

static void body_recurse(const snow_term *arg)
{
    (void)arg;
    recurse(0);
}

START_TEST(overflow_faults_on_guard)
{
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        alarm(20); /* a runaway child dies of SIGALRM, failing the test */
        struct snow_init_opts o = {.size = sizeof o, .schedulers = 1};
        if (snow_init(&o) != 0)
            _exit(3);
        snow_pid pid;
        snow_spawn(body_recurse, NULL, &pid);
        snow_join(pid, 15000, NULL);
        _exit(4); /* the overflow went unnoticed */
    }
    int st = 0;
    ck_assert_int_eq(waitpid(child, &st, 0), child);
#ifdef GUARD_ASAN
    /* ASan reports the fault (stack-overflow / SEGV) and aborts. */
    ck_assert_msg(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 4 &&
                                      WEXITSTATUS(st) != 0),
                  "child status %#x", st);
#else
    ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
                  "child did not die of SIGSEGV (status %#x)", st);
#endif
}
END_TEST

Suite *snow_test_suite(void)
{
    if (!guard_supported()) {
        /* Automake counts exit status 77 as SKIP: said, not silently passed. */
        printf("SKIP: this kernel has no MADV_GUARD_INSTALL (Linux < 6.13); "
               "stacks use the canary check instead (see check_stack)\n");
        exit(77);
    }
    Suite *s = suite_create("stack_guard");
    TCase *tc = tcase_create("overflow_faults_on_guard");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, overflow_faults_on_guard);
    suite_add_tcase(s, tc);
    return s;
}
