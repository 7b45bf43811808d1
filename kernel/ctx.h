/* SPDX-License-Identifier: MIT */
/* Coroutine context switch: the one primitive the scheduler builds on. */
#ifndef SK_CTX_H
#define SK_CTX_H

#include <stddef.h>

/*
 * A context is a saved stack pointer: everything else (the callee-saved
 * registers and the resume address) lives on the context's own stack.
 * x86_64 and aarch64 use a small assembly switch (ctx_x86_64.S,
 * ctx_aarch64.S); other architectures fall back to ucontext (ctx_ucontext.c),
 * where the "stack pointer" is a pointer to a ucontext_t stored on the stack.
 * Building with -DSNOW_CTX_UCONTEXT forces the fallback (to test it).
 */
struct sk_ctx {
    void *sp;
};

/* The body a fresh context runs; it must never return (it switches away for
 * the last time instead). */
typedef void (*sk_ctx_fn)(void *arg);

/* Prepares `ctx` to run fn(arg) on the stack [base, base + size) on its
 * first switch-in. */
void sk_ctx_make(struct sk_ctx *ctx, void *base, size_t size, sk_ctx_fn fn, void *arg);

/* Saves the current context into `from` and resumes `to`. Returns when
 * something switches back to `from`. No sanitizer bookkeeping here: callers
 * use the fiber annotations in sched_switch.c. */
void sk_ctx_switch(struct sk_ctx *from, struct sk_ctx *to);

#endif /* SK_CTX_H */
