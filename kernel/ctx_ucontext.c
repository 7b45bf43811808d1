/* SPDX-License-Identifier: MIT */
/* Portable fallback context switch on ucontext (one syscall per switch). */
#include "config.h"

#include "ctx.h"

#if (!defined(__x86_64__) && !defined(__aarch64__)) || defined(SNOW_CTX_UCONTEXT)
#include <stdint.h>
#include <ucontext.h>

/* The ucontext_t lives at the top of the context's own stack; ctx->sp
 * points to it. The scheduler's context (never made) stores one in a
 * thread-local slot. */
static _Thread_local ucontext_t ctx_uc_main;

static void ctx_uc_entry(unsigned hi, unsigned lo, unsigned ahi, unsigned alo)
{
    sk_ctx_fn fn = (sk_ctx_fn)(((uintptr_t)hi << 16 << 16) | lo);
    void *arg = (void *)(((uintptr_t)ahi << 16 << 16) | alo);
    fn(arg);
}

void sk_ctx_make(struct sk_ctx *ctx, void *base, size_t size, sk_ctx_fn fn, void *arg)
{
    uintptr_t top = ((uintptr_t)base + size - sizeof(ucontext_t)) & ~(uintptr_t)63;
    ucontext_t *uc = (ucontext_t *)top;
    getcontext(uc);
    uc->uc_stack.ss_sp = base;
    uc->uc_stack.ss_size = top - (uintptr_t)base;
    uc->uc_link = NULL;
    uintptr_t f = (uintptr_t)fn, a = (uintptr_t)arg;
    makecontext(uc, (void (*)(void))ctx_uc_entry, 4, (unsigned)(f >> 16 >> 16),
                (unsigned)f, (unsigned)(a >> 16 >> 16), (unsigned)a);
    ctx->sp = uc;
}

void sk_ctx_switch(struct sk_ctx *from, struct sk_ctx *to)
{
    if (from->sp == NULL)
        from->sp = &ctx_uc_main;
    swapcontext((ucontext_t *)from->sp, (ucontext_t *)to->sp);
}
#else
/* ISO C forbids an empty translation unit. */
typedef int ctx_ucontext_unused;
#endif
