package dev.flashsale.inventory.internal;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The buyers an instance remembers, and what a forget does to a Redis answer already under way. */
class LocalBuyersTest {

    private final LocalBuyers buyers = new LocalBuyers(Duration.ofMinutes(1));
    private final UUID product = UUID.randomUUID();

    @Test
    void aReportedOrCommittedBuyerIsKnownUntilForgotten() {
        buyers.reported(product, "ann", buyers.generation());
        buyers.committed(product, "bob");
        assertThat(buyers.known(product, "ann")).isTrue();
        assertThat(buyers.known(product, "bob")).isTrue();
        assertThat(buyers.known(UUID.randomUUID(), "ann")).as("another product").isFalse();

        buyers.forget(product, "ann");
        buyers.forget(product, "bob");

        assertThat(buyers.known(product, "ann")).isFalse();
        assertThat(buyers.known(product, "bob")).isFalse();
    }

    @Test
    void anAnswerGivenBeforeAForgetIsNotRemembered() {
        long before = buyers.generation();
        // Redis answered "already purchased"; before the answer is stored, the user's order is released
        buyers.forget(product, "ann");
        buyers.reported(product, "ann", before);

        assertThat(buyers.known(product, "ann")).as("the released user is asked about again").isFalse();

        // an answer asked for after the forget is remembered
        buyers.reported(product, "ann", buyers.generation());
        assertThat(buyers.known(product, "ann")).isTrue();
    }
}
