/* tests/progs/coro.c: two coroutines (makecontext/swapcontext) in ping-pong, for the
 * collector's user-context test.
 *
 * Behaviour: main calls pingpong(), which makes two contexts on stacks of their own and
 * switches to the first. coA() calls leafA() then switches to coB, 1000 times; coB()
 * calls leafB() then switches to coA, 1000 times. After its loop coA switches back to
 * pingpong's context (neither coroutine returns), pingpong returns, main calls finish()
 * and returns 0.
 * Expected profile (exact): each coroutine's calls under its own root: call paths coA,
 * coA/leafA (1000 calls), coB, coB/leafB (1000 calls), main, main/pingpong, main/finish;
 * coA and coB 1 call each (left open, closed at the end); no unmatched exits.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <stdlib.h>
#include <ucontext.h>

#define CORO_STACK (256 * 1024)

static ucontext_t main_ctx, a_ctx, b_ctx;
static volatile unsigned long coro_sink;

__attribute__((noinline)) static void leafA(void)
{
    coro_sink++;
}

__attribute__((noinline)) static void leafB(void)
{
    coro_sink += 2;
}

__attribute__((noinline)) static void coA(void)
{
    for (int i = 0; i < 1000; i++) {
        leafA();
        swapcontext(&a_ctx, &b_ctx);
    }
    swapcontext(&a_ctx, &main_ctx);
}

__attribute__((noinline)) static void coB(void)
{
    for (int i = 0; i < 1000; i++) {
        leafB();
        swapcontext(&b_ctx, &a_ctx);
    }
    swapcontext(&b_ctx, &main_ctx);
}

__attribute__((noinline)) static int pingpong(void)
{
    static char stack_a[CORO_STACK], stack_b[CORO_STACK];
    if (getcontext(&a_ctx) || getcontext(&b_ctx))
        return -1;
    a_ctx.uc_stack.ss_sp = stack_a;
    a_ctx.uc_stack.ss_size = sizeof stack_a;
    a_ctx.uc_link = &main_ctx;
    makecontext(&a_ctx, coA, 0);
    b_ctx.uc_stack.ss_sp = stack_b;
    b_ctx.uc_stack.ss_size = sizeof stack_b;
    b_ctx.uc_link = &main_ctx;
    makecontext(&b_ctx, coB, 0);
    return swapcontext(&main_ctx, &a_ctx);
}

__attribute__((noinline)) static void finish(void)
{
    coro_sink++;
}

int main(void)
{
    if (pingpong() != 0)
        return 1;
    finish();
    return 0;
}
