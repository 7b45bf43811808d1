/* SPDX-License-Identifier: MIT */
/* Context switch cost: ucontext swapcontext vs Snow's assembly switch. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#include "ctx.h"

#define STACK (64 * 1024)

/* Thread CPU time, not wall time: the loops are single-threaded, and a
 * busy machine (CI, other jobs) would otherwise inflate every number. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- ucontext ---- */
static ucontext_t uc_main, uc_co;

static void uc_body(void)
{
    for (;;)
        swapcontext(&uc_co, &uc_main);
}

static double bench_ucontext(long n)
{
    void *stack = malloc(STACK);
    getcontext(&uc_co);
    uc_co.uc_stack.ss_sp = stack;
    uc_co.uc_stack.ss_size = STACK;
    uc_co.uc_link = NULL;
    makecontext(&uc_co, uc_body, 0);
    swapcontext(&uc_main, &uc_co); /* warm up */
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        swapcontext(&uc_main, &uc_co);
    uint64_t dt = now_ns() - t0;
    free(stack);
    return (double)dt / (double)n;
}

/* ---- assembly switch (kernel/ctx_*.S) ---- */
static struct sk_ctx asm_main, asm_co;

static void asm_body(void *arg)
{
    (void)arg;
    for (;;)
        sk_ctx_switch(&asm_co, &asm_main);
}

static double bench_asm(long n)
{
    void *stack = malloc(STACK);
    sk_ctx_make(&asm_co, stack, STACK, asm_body, NULL);
    sk_ctx_switch(&asm_main, &asm_co); /* warm up */
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        sk_ctx_switch(&asm_main, &asm_co);
    uint64_t dt = now_ns() - t0;
    free(stack);
    return (double)dt / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    enum { REPS = 5 };
    double u[REPS], a[REPS];
    for (int r = 0; r < REPS; r++) {
        u[r] = bench_ucontext(n / 10);
        a[r] = bench_asm(n);
    }
    qsort(u, REPS, sizeof u[0], cmp_double);
    qsort(a, REPS, sizeof a[0], cmp_double);
    printf("%-40s %10s %10s %10s\n", "switch pair (there and back), CPU time", "median", "min", "max");
    printf("%-40s %8.1f ns %8.1f ns %8.1f ns\n", "ucontext swapcontext", u[REPS / 2], u[0], u[REPS - 1]);
#if defined(__x86_64__) || defined(__aarch64__)
    printf("%-40s %8.1f ns %8.1f ns %8.1f ns\n", "snow assembly switch", a[REPS / 2], a[0], a[REPS - 1]);
#else
    printf("%-40s %8.1f ns (this architecture uses the ucontext fallback)\n", "snow switch", a[REPS / 2]);
#endif
    printf("ratio ucontext/asm: %.1fx\n", u[REPS / 2] / a[REPS / 2]);
    return 0;
}
