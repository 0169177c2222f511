package dev.flashsale.ordering.internal;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The group commit's batch limit, alone: what a commit's pace and a batch out of time make of it. */
class BatchLimitTest {

    private static final long MS = 1_000_000;

    private final BatchLimit limit = new BatchLimit(256, Duration.ofSeconds(5));

    @Test
    void startsAtMaxBatchAndStaysThereWhileCommitsAreQuick() {
        assertThat(limit.current()).isEqualTo(256);
        limit.committed(1, 2 * MS);
        limit.committed(200, 50 * MS);
        assertThat(limit.current()).isEqualTo(256);
    }

    @Test
    void aCommitOverHalfTheTimeoutLowersItToWhatFitsInHalfTheTimeout() {
        limit.committed(100, 4_000 * MS); // 40 ms an order: 2.5 s holds 62
        assertThat(limit.current()).isEqualTo(62);
        limit.committed(50, 4_000 * MS); // 80 ms an order
        assertThat(limit.current()).isEqualTo(31);
    }

    @Test
    void aCommitWithinHalfTheTimeoutNeverLowersIt() {
        limit.committed(1, 50 * MS); // a lone order's commit, mostly fixed cost
        limit.committed(20, 1_000 * MS);
        assertThat(limit.current()).isEqualTo(256);
        limit.timedOut(200);
        limit.committed(10, 500 * MS); // 50 ms an order: 50 would fit, fewer than the limit
        assertThat(limit.current()).isEqualTo(100);
    }

    @Test
    void aQuickerCommitRaisesItToWhatFits() {
        limit.timedOut(200);
        limit.timedOut(100);
        limit.committed(10, 100 * MS); // 10 ms an order: 250 fit
        assertThat(limit.current()).isEqualTo(250);
    }

    @Test
    void aBatchOutOfTimeHalvesItBelowItsSize() {
        assertThat(limit.timedOut(200)).isEqualTo(100);
        assertThat(limit.current()).isEqualTo(100);
        assertThat(limit.timedOut(100)).isEqualTo(50);
        // a batch taken before the last lowering, bigger than the limit now, lowers it no further than below itself
        assertThat(limit.timedOut(80)).isEqualTo(40);
        assertThat(limit.timedOut(200)).as("never raised by a timeout").isEqualTo(40);
    }

    @Test
    void neverBelowOne() {
        limit.committed(1, 60_000 * MS);
        assertThat(limit.current()).isEqualTo(1);
        assertThat(limit.timedOut(1)).isEqualTo(1);
    }

    @Test
    void theFirstQuickCommitBringsItBack() {
        limit.timedOut(200);
        limit.timedOut(100);
        limit.committed(50, 25 * MS); // half a millisecond an order again
        assertThat(limit.current()).isEqualTo(256);
    }

    @Test
    void anEmptyCommitChangesNothing() {
        limit.timedOut(100);
        limit.committed(0, 0);
        assertThat(limit.current()).isEqualTo(50);
    }
}
