/* SPDX-License-Identifier: MIT */
/* Tests for the pid table: encoding, O(1) lookup, generations on reuse. */
#include "proc.h"
#include "rt_util.h"

START_TEST(pids_are_local_and_found)
{
    ck_assert_snow_ok(sk_pid_init());
    struct sk_proc *p = sk_pid_alloc();
    ck_assert_ptr_nonnull(p);
    snow_pid pid = atomic_load(&p->pid);
    ck_assert_uint_ne(pid, SNOW_PID_NONE);
    ck_assert(snow_pid_is_local(pid));
    ck_assert_ptr_eq(sk_pid_slot(pid), p);
    ck_assert_ptr_null(sk_pid_live(pid)); /* not started yet */
    atomic_store(&p->state, SK_P_QUEUED);
    ck_assert_ptr_eq(sk_pid_live(pid), p);
    /* Another node's pid, or garbage above the local id, is never ours. */
    ck_assert_ptr_null(sk_pid_slot(pid | (UINT64_C(1) << SNOW_NODE_SHIFT)));
    ck_assert_ptr_null(sk_pid_live(pid ^ (UINT64_C(1) << 47))); /* other generation */
    ck_assert_ptr_null(sk_pid_live((snow_pid)0xffffff));
    sk_pid_release(p);
    sk_pid_fini();
}
END_TEST

START_TEST(reused_slot_gets_new_generation)
{
    ck_assert_snow_ok(sk_pid_init());
    struct sk_proc *p = sk_pid_alloc();
    snow_pid old = atomic_load(&p->pid);
    sk_pid_release(p);
    struct sk_proc *q = sk_pid_alloc();
    ck_assert_ptr_eq(q, p); /* LIFO reuse: the same warm block */
    snow_pid now = atomic_load(&q->pid);
    ck_assert_uint_ne(now, old);
    atomic_store(&q->state, SK_P_QUEUED);
    ck_assert_ptr_null(sk_pid_live(old)); /* the old pid never matches */
    ck_assert_ptr_eq(sk_pid_live(now), q);
    sk_pid_release(q);
    sk_pid_fini();
}
END_TEST

START_TEST(many_live_pids)
{
    enum { N = 300000 };
    ck_assert_snow_ok(sk_pid_init());
    static struct sk_proc *ps[N];
    for (int i = 0; i < N; i++) {
        ps[i] = sk_pid_alloc();
        RT_CHECK(ps[i] != NULL);
        atomic_store(&ps[i]->state, SK_P_WAITING);
    }
    for (int i = 0; i < N; i++)
        RT_CHECK(sk_pid_live(atomic_load(&ps[i]->pid)) == ps[i]);
    for (int i = 0; i < N; i++)
        sk_pid_release(ps[i]);
    sk_pid_fini();
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("pid");
    struct {
        const char *name;
        const TTest *fn;
    } cases[] = {
        {"pids_are_local_and_found", pids_are_local_and_found},
        {"reused_slot_gets_new_generation", reused_slot_gets_new_generation},
        {"many_live_pids", many_live_pids},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}
