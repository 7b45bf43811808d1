/* SPDX-License-Identifier: MIT */
/* aarch64 (AAPCS64) context switch: callee-saved registers only. */
#if defined(__aarch64__) && !defined(SNOW_CTX_UCONTEXT)
    .text

/* void sk_ctx_switch(struct sk_ctx *from, struct sk_ctx *to)
 * x0 = from, x1 = to. Saves x19-x30 and d8-d15 (160 bytes) below sp,
 * stores sp in from->sp, loads to->sp and restores the same frame. */
    .globl sk_ctx_switch
    .hidden sk_ctx_switch
    .type sk_ctx_switch, %function
    .p2align 4
sk_ctx_switch:
    sub sp, sp, #160
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x9, sp
    str x9, [x0]
    ldr x9, [x1]
    mov sp, x9
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #160
    ret
    .size sk_ctx_switch, .-sk_ctx_switch

/* First instructions of a fresh context: fn in x19, its argument in x20
 * (sk_ctx_make put them in the saved frame; x30 pointed here). */
    .globl sk_ctx_trampoline
    .hidden sk_ctx_trampoline
    .type sk_ctx_trampoline, %function
    .p2align 4
sk_ctx_trampoline:
    mov x29, #0
    mov x30, #0
    mov x0, x20
    blr x19
    brk #0
    .size sk_ctx_trampoline, .-sk_ctx_trampoline

#endif
#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
