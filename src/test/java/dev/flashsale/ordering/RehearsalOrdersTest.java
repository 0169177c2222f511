package dev.flashsale.ordering;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.Reservation;
import dev.flashsale.inventory.SaleShards;
import dev.flashsale.ordering.internal.OrderWriter;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

/**
 * A rehearsal sale's orders (the sale an instance sells to itself before it reports ready) are
 * written to the real PostgreSQL and rolled back, also the order of a request that was accepted
 * while the sale ran and reaches the writer after the sale ended: a rehearsal that stops early
 * ends its sale while some of its purchases are still on their way.
 */
class RehearsalOrdersTest extends IntegrationTest {

    private static final int UNITS = 10;

    @Autowired
    private Catalog catalog;

    @Autowired
    private OrderWriter writer;

    @Test
    void anOrderOfARehearsalSaleWrittenAfterTheSaleEndedIsRolledBackLikeTheOthers() {
        Instant now = Instant.now();
        UUID sale = UUID.randomUUID();
        Product product = new Product(sale, "rehearsal", "a sale an instance sells to itself",
                new BigDecimal("1.00"), UNITS, 0, 1, now.minusSeconds(60), now.plus(Duration.ofHours(1)),
                now, now, null, false, 0, null, 1);
        catalog.rehearse(product);
        assertThat(catalog.find(sale)).contains(product);
        // the catalog's cache reloads it (as after a change announced by another instance, or its
        // TTL): PostgreSQL has no such product, the rehearsal's sale stays
        catalog.refresh(sale);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> catalog.find(sale).isPresent());
        long events = count("SELECT count(*) FROM event_publication");

        writer.write(order(sale, "while-it-runs"), reservation(sale, "while-it-runs", 1), "{}");
        catalog.endRehearsal(sale);

        assertThat(catalog.find(sale)).as("no new request finds an ended rehearsal sale").isEmpty();
        assertThatCode(() -> writer.write(order(sale, "after-it-ended"), reservation(sale, "after-it-ended", 2), "{}"))
                .as("the late order is written as the sale's others were, not refused by PostgreSQL")
                .doesNotThrowAnyException();
        assertThat(count("SELECT count(*) FROM orders WHERE product_id = '" + sale + "'")).as("no order stored").isZero();
        assertThat(count("SELECT count(*) FROM products WHERE id = '" + sale + "'")).as("no product stored").isZero();
        assertThat(count("SELECT count(*) FROM event_publication")).as("no event for the outbox").isEqualTo(events);
    }

    private static Order order(UUID sale, String user) {
        return new Order(UUID.randomUUID(), user, sale, 1, new BigDecimal("1.00"), OrderStatus.COMPLETED,
                Instant.now(), null);
    }

    private static Reservation reservation(UUID sale, String user, int unit) {
        Instant at = Instant.now();
        return new Reservation(sale, user, 1, List.of(unit), at, at.toEpochMilli() + ":1:" + unit + ":1",
                SaleShards.SaleShard.whole(sale, UNITS), null);
    }

    private long count(String sql) {
        return jdbc.sql(sql).query(Long.class).single();
    }
}
