/* SPDX-License-Identifier: MIT */
/* x86_64 (System V) context switch: callee-saved registers only. */
#if defined(__x86_64__) && !defined(SNOW_CTX_UCONTEXT)
    .text

/* void sk_ctx_switch(struct sk_ctx *from, struct sk_ctx *to)
 * rdi = from, rsi = to. Pushes the callee-saved registers and the x87/SSE
 * control words on the current stack, stores rsp in from->sp, loads
 * to->sp and pops the same frame. */
    .globl sk_ctx_switch
    .hidden sk_ctx_switch
    .type sk_ctx_switch, @function
    .p2align 4
sk_ctx_switch:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size sk_ctx_switch, .-sk_ctx_switch

/* First instructions of a fresh context: sk_ctx_make left fn in r12 and its
 * argument in r13. rsp is 16-byte aligned here, as a call requires. The
 * body never returns; ud2 traps if it does. */
    .globl sk_ctx_trampoline
    .hidden sk_ctx_trampoline
    .type sk_ctx_trampoline, @function
    .p2align 4
sk_ctx_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq %r13, %rdi
    callq *%r12
    ud2
    .cfi_endproc
    .size sk_ctx_trampoline, .-sk_ctx_trampoline

#endif
#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
