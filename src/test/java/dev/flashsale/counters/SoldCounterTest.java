package dev.flashsale.counters;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import dev.flashsale.ordering.OrderPlaced;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The sold counter, fed by the transactional outbox. */
class SoldCounterTest extends IntegrationTest {

    @Autowired
    SoldCounter counter;

    @Autowired
    ApplicationEventPublisher events;

    @Autowired
    TransactionTemplate transaction;

    @Test
    void theSameOrderDeliveredTwiceIsCountedOnce() {
        UUID product = liveProduct(10, 1);
        Api.Reply bought = buy(product, "once");
        assertThat(bought.status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> soldQuantity(product) == 1);

        OrderPlaced redelivered = new OrderPlaced(UUID.fromString(bought.data().path("orderId").asString()), product,
                "once", 1, new BigDecimal("19.99"), Instant.now());
        assertThat(counter.count(redelivered)).isFalse();
        assertThat(counter.count(redelivered)).isFalse();

        assertThat(soldQuantity(product)).isEqualTo(1);
        assertInvariantsHold(product);
    }

    @Test
    void aNewOrderIsCountedByItsFirstDeliveryOnly() {
        UUID product = liveProduct(10, 3);
        OrderPlaced order = new OrderPlaced(UUID.randomUUID(), product, "direct", 2, BigDecimal.ONE, Instant.now());

        assertThat(counter.count(order)).isTrue();
        assertThat(counter.count(order)).isFalse();

        assertThat(soldQuantity(product)).isEqualTo(2);
    }

    /**
     * A delivery that keeps failing (the counter would pass the stock: PostgreSQL's CHECK refuses
     * it) is retried with backoff, then kept as a dead letter, listed by the admin API, and counted
     * once an operator has fixed the cause and retried it.
     */
    @Test
    void aDeliveryThatKeepsFailingBecomesADeadLetterAndCanBeRetried() {
        UUID product = liveProduct(10, 1);
        UUID orderId = UUID.randomUUID();
        transaction.executeWithoutResult(s -> events.publishEvent(
                new OrderPlaced(orderId, product, "too-many", 50, BigDecimal.ONE, Instant.now())));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Api.Reply failed = api.get("/api/v1/admin/outbox/failed", Api.admin());
            assertThat(failed.status()).isEqualTo(200);
            assertThat(failed.text()).contains(orderIdPublication(orderId).toString());
        });
        assertThat(attempts(orderId)).isGreaterThanOrEqualTo(3);
        assertThat(soldQuantity(product)).isZero();
        Api.Reply backlog = api.get("/api/v1/admin/outbox", Api.admin());
        assertThat(backlog.data().path("deadLetters").asLong()).isGreaterThanOrEqualTo(1);

        // the cause is fixed (the stock is raised), then the operator retries
        assertThat(api.patch("/api/v1/admin/products/" + product, "{\"totalQuantity\":100}", Api.admin()).status())
                .isEqualTo(200);
        assertThat(api.post("/api/v1/admin/outbox/failed/retry?id=" + orderIdPublication(orderId), "", Api.admin()).status())
                .isEqualTo(202);

        await().atMost(Duration.ofSeconds(10)).until(() -> soldQuantity(product) == 50);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT completion_date IS NOT NULL FROM event_publication WHERE id = ?")
                .param(orderIdPublication(orderId)).query(Boolean.class).single());
        assertThat(api.get("/api/v1/admin/outbox/failed", Api.admin()).text())
                .doesNotContain(orderIdPublication(orderId).toString());
    }

    private UUID orderIdPublication(UUID orderId) {
        return jdbc.sql("SELECT id FROM event_publication WHERE serialized_event LIKE ?")
                .param("%" + orderId + "%").query(UUID.class).single();
    }

    private int attempts(UUID orderId) {
        return jdbc.sql("SELECT coalesce(completion_attempts, 0) FROM event_publication WHERE serialized_event LIKE ?")
                .param("%" + orderId + "%").query(Integer.class).single();
    }
}
