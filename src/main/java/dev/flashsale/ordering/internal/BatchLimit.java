package dev.flashsale.ordering.internal;

import java.time.Duration;

/**
 * The most orders a writer puts in one transaction: {@code max-batch}, unless PostgreSQL is
 * inserting orders so slowly that so many could not commit within the transaction's timeout.
 *
 * <p>Each commit tells how long an order took: its transaction's time over its orders, an upper
 * bound, since part of that time is the commit's own. A commit that took over half the timeout
 * lowers the limit to what would commit in half the timeout at that pace; a quicker one raises it
 * to that, up to {@code max-batch}, and never lowers it (a lone order's fixed cost would). A
 * batch that ran out of time halves the limit below its own size. So a slow insert (a lock wait,
 * a storage stall, a trigger) shrinks the batches until they commit, instead of every retry of
 * the same batch running out of time again, and the first quick batch after it raises the limit
 * again.
 *
 * <p>Shared by the writers; a stale read costs one batch of the old size, nothing else.
 */
final class BatchLimit {

    private final int max;
    private final long budgetNanos;
    private volatile int current;

    BatchLimit(int max, Duration transactionTimeout) {
        if (max < 1) {
            throw new IllegalArgumentException("max-batch below 1: " + max);
        }
        this.max = max;
        this.budgetNanos = transactionTimeout.toNanos() / 2;
        this.current = max;
    }

    /** The most orders the next batch may hold. */
    int current() {
        return current;
    }

    /** A batch of {@code orders} committed in {@code nanos}. */
    void committed(int orders, long nanos) {
        if (orders < 1) {
            return;
        }
        long fits = Math.max(1, Math.min(max, budgetNanos / Math.max(1, nanos / orders)));
        int now = current;
        current = (int) (nanos > budgetNanos ? Math.min(now, fits) : Math.max(now, fits));
    }

    /**
     * A batch of {@code orders} ran out of time: the limit drops below its size.
     *
     * @return the new limit
     */
    int timedOut(int orders) {
        int lowered = Math.max(1, Math.min(current, orders / 2));
        current = lowered;
        return lowered;
    }
}
