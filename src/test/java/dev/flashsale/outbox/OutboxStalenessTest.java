package dev.flashsale.outbox;

import java.time.Duration;

import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.modulith.events.EventPublication;
import org.springframework.modulith.events.core.Staleness;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configured staleness reaches Spring Modulith: a delivery stuck in any state is marked failed
 * after it, for the retry job to pick up. Modulith ignores a key it does not know without a word,
 * so a misspelt one would leave a stuck resubmission stuck for good.
 */
class OutboxStalenessTest extends IntegrationTest {

    @Autowired
    Staleness staleness;

    @Test
    void aDeliveryStuckInAnyStateBecomesStaleAfterTheConfiguredTime() {
        assertThat(staleness.getStaleness(EventPublication.Status.PUBLISHED)).isEqualTo(Duration.ofMinutes(2));
        assertThat(staleness.getStaleness(EventPublication.Status.PROCESSING)).isEqualTo(Duration.ofMinutes(2));
        assertThat(staleness.getStaleness(EventPublication.Status.RESUBMITTED)).isEqualTo(Duration.ofMinutes(2));
    }
}
