package dev.flashsale.inventory.internal;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What an instance remembers of a stock, and what a forget does to a read already under way. */
class LocalStockTest {

    private final LocalStock local = new LocalStock(Duration.ofMinutes(1));
    private final UUID product = UUID.randomUUID();

    @Test
    void aStockReadIsRememberedAndAForgetDropsIt() {
        local.saw(product, 0, local.generation(product));
        assertThat(local.fresh(product)).isZero();
        assertThat(local.soldOut(product)).isTrue();

        local.forget(product);

        assertThat(local.fresh(product)).isNull();
        assertThat(local.soldOut(product)).isFalse();
    }

    @Test
    void aReadThatBeganBeforeAForgetIsNotRemembered() {
        long before = local.generation(product);
        // Redis answered "sold out"; before the answer is stored, a change is announced and forgotten
        local.forget(product);
        local.saw(product, 0, before);

        assertThat(local.fresh(product)).as("the old stock is not brought back").isNull();

        // the next read, begun after the forget, is remembered
        local.saw(product, 3, local.generation(product));
        assertThat(local.fresh(product)).isEqualTo(3);
    }

    @Test
    void aForgetOfAProductNeverSeenStillOutdatesTheReadsUnderWay() {
        long before = local.generation(product);
        local.forget(product);
        local.saw(product, 0, before);

        assertThat(local.fresh(product)).isNull();
    }

    @Test
    void aStockIsTrustedOnlyForItsTtl() {
        LocalStock off = new LocalStock(Duration.ZERO);
        off.saw(product, 5, off.generation(product));
        assertThat(off.fresh(product)).isNull();

        LocalStock brief = new LocalStock(Duration.ofNanos(1));
        brief.saw(product, 5, brief.generation(product));
        long start = System.nanoTime();
        while (System.nanoTime() - start < 1_000) {
            Thread.onSpinWait();
        }
        assertThat(brief.fresh(product)).isNull();
    }
}
