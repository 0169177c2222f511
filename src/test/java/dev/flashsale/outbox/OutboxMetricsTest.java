package dev.flashsale.outbox;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import dev.flashsale.support.IntegrationTest;
import dev.flashsale.support.Scrape;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** The outbox backlog in the metrics: what waits, by status, the dead letters and the oldest's age. */
class OutboxMetricsTest extends IntegrationTest {

    @Autowired
    OutboxMetrics metrics;

    @Autowired
    OutboxProperties properties;

    /**
     * A delivery that used up its attempts ten minutes ago (as the registry leaves one) shows as a
     * failed delivery, a dead letter and an oldest age of at least ten minutes; gone, it no longer counts.
     */
    @Test
    void aDeadLetterShowsInTheBacklogGaugesUntilItIsGone() {
        metrics.refresh();
        Scrape before = Scrape.of(api);
        UUID product = liveProduct(5, 1);
        UUID id = UUID.randomUUID();
        Instant tenMinutesAgo = Instant.now().minus(Duration.ofMinutes(10));
        jdbc.sql("""
                INSERT INTO event_publication (id, listener_id, event_type, serialized_event, publication_date,
                                               status, completion_attempts, last_resubmission_date)
                VALUES (?, ?, ?, ?, ?, 'FAILED', ?, ?)""")
                .params(id, "dev.flashsale.counters.SoldCounter.on(dev.flashsale.ordering.OrderPlaced)",
                        "dev.flashsale.ordering.OrderPlaced",
                        "{\"orderId\":\"" + UUID.randomUUID() + "\",\"productId\":\"" + product
                                + "\",\"userId\":\"outbox-metrics\",\"quantity\":1,\"unitPrice\":" + BigDecimal.ONE
                                + ",\"placedAt\":\"" + tenMinutesAgo + "\"}",
                        Timestamp.from(tenMinutesAgo), properties.maxAttempts(), Timestamp.from(tenMinutesAgo))
                .update();
        try {
            metrics.refresh();
            Scrape during = Scrape.of(api);
            assertThat(delta(before, during, "flashsale_outbox_dead_letters")).isEqualTo(1);
            assertThat(delta(before, during, "flashsale_outbox_pending", "status", "failed")).isEqualTo(1);
            assertThat(during.value("flashsale_outbox_oldest_age_seconds")).isGreaterThanOrEqualTo(600);
        } finally {
            jdbc.sql("DELETE FROM event_publication WHERE id = ?").param(id).update();
        }
        metrics.refresh();
        Scrape after = Scrape.of(api);
        assertThat(delta(before, after, "flashsale_outbox_dead_letters")).isZero();
        assertThat(delta(before, after, "flashsale_outbox_pending", "status", "failed")).isZero();
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }
}
