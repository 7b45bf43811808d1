/* SPDX-License-Identifier: MIT */
/* Builds the first frame of a fresh context for the assembly switch. */
#include "config.h"

#include "ctx.h"

#include <stdint.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(SNOW_CTX_UCONTEXT)

void sk_ctx_trampoline(void);

void sk_ctx_make(struct sk_ctx *ctx, void *base, size_t size, sk_ctx_fn fn, void *arg)
{
    uintptr_t top = ((uintptr_t)base + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
    /* Frame popped by sk_ctx_switch: control words, r15, r14, r13, r12,
     * rbx, rbp, return address. rsp is 16-aligned on entry to the
     * trampoline, which then calls fn like a normal call site. */
    uint64_t *f = (uint64_t *)(top - 64);
    memset(f, 0, 64);
    uint32_t mxcsr;
    uint16_t fcw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(fcw));
    memcpy((char *)f, &mxcsr, sizeof mxcsr);
    memcpy((char *)f + 4, &fcw, sizeof fcw);
    f[3] = (uint64_t)(uintptr_t)arg;  /* r13 */
    f[4] = (uint64_t)(uintptr_t)fn;   /* r12 */
    f[7] = (uint64_t)(uintptr_t)sk_ctx_trampoline;
    ctx->sp = f;
#else
    /* Frame restored by sk_ctx_switch: x19..x30, d8..d15 (160 bytes). */
    uint64_t *f = (uint64_t *)(top - 160);
    memset(f, 0, 160);
    f[0] = (uint64_t)(uintptr_t)fn;   /* x19 */
    f[1] = (uint64_t)(uintptr_t)arg;  /* x20 */
    f[11] = (uint64_t)(uintptr_t)sk_ctx_trampoline; /* x30 */
    ctx->sp = f;
#endif
}

#else
/* The ucontext fallback (ctx_ucontext.c) provides everything. */
typedef int ctx_asm_unused;
#endif
