package dev.flashsale.inventory;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.inventory.internal.SaleKeys;
import dev.flashsale.support.IntegrationTest;
import dev.flashsale.support.Scrape;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Units per sale in the metrics, for a bounded set of sales. */
class SaleGaugesTest extends IntegrationTest {

    @Autowired
    Catalog catalog;

    @Autowired
    Inventory inventory;

    @Test
    void aSalesUnitsFollowItsPurchases() {
        UUID product = liveProduct(5, 1);
        assertThat(buy(product, "gauged-a").status()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Scrape scrape = Scrape.of(api);
            assertThat(scrape.value("flashsale_sale_units_available", "product", product.toString())).isEqualTo(4);
            assertThat(scrape.value("flashsale_sale_units_sold", "product", product.toString())).isEqualTo(1);
            assertThat(scrape.value("flashsale_sale_units_stock", "product", product.toString())).isEqualTo(5);
        });
    }

    /**
     * Only sales open now or ended within the window, at most the configured number, the most
     * recently opened first; available from Redis (read, never installed), sold from PostgreSQL's
     * counter. (The sales are
     * set at a moment of their own, long past, so that no other test's sales are among them.)
     */
    @Test
    void onlyALimitedNumberOfSalesOpenNowOrJustEndedAreGauged() {
        Instant now = Instant.parse("2001-01-01T00:00:00Z").plus(Duration.ofMinutes(ThreadLocalRandom.current().nextInt(5_000_000)));
        UUID openedLast = sale(now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofHours(1)));
        UUID openedBefore = sale(now.minus(Duration.ofMinutes(3)), now.plus(Duration.ofHours(1)));
        UUID justEnded = sale(now.minus(Duration.ofMinutes(30)), now.minus(Duration.ofMinutes(5)));
        UUID endedLongAgo = sale(now.minus(Duration.ofMinutes(40)), now.minus(Duration.ofMinutes(20)));
        UUID upcoming = sale(now.plus(Duration.ofMinutes(5)), now.plus(Duration.ofHours(1)));
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        try {
            SimpleMeterRegistry three = new SimpleMeterRegistry();
            SaleGauges gauges = new SaleGauges(catalog, inventory, clock,
                    new SaleGaugeProperties(Duration.ofSeconds(5), 3, Duration.ofMinutes(10)), three, null);
            redis.opsForValue().set(SaleKeys.of(openedLast).stock(), "7");
            redis.opsForValue().set(SaleKeys.of(openedBefore).stock(), "10");
            gauges.refresh();

            // justEnded has no state in Redis: no available units rather than a made-up number
            assertThat(gauged(three, "flashsale.sale.units.available"))
                    .isEqualTo(Map.of(openedLast, 7.0, openedBefore, 10.0));
            assertThat(gauged(three, "flashsale.sale.units.sold"))
                    .isEqualTo(Map.of(openedLast, 2.0, openedBefore, 2.0, justEnded, 2.0));
            assertThat(gauged(three, "flashsale.sale.units.stock"))
                    .isEqualTo(Map.of(openedLast, 10.0, openedBefore, 10.0, justEnded, 10.0));
            assertThat(redis.hasKey(SaleKeys.of(justEnded).stock())).as("nothing installed in Redis").isFalse();

            SimpleMeterRegistry two = new SimpleMeterRegistry();
            new SaleGauges(catalog, inventory, clock,
                    new SaleGaugeProperties(Duration.ofSeconds(5), 2, Duration.ofMinutes(10)), two, null).refresh();
            assertThat(gauged(two, "flashsale.sale.units.stock").keySet()).containsOnly(openedLast, openedBefore);

            // once a sale leaves the set, its series goes
            jdbc.sql("UPDATE products SET sale_end_at = ? WHERE id = ?")
                    .params(Timestamp.from(now.minus(Duration.ofMinutes(11))), justEnded).update();
            gauges.refresh();
            assertThat(gauged(three, "flashsale.sale.units.stock").keySet()).containsOnly(openedLast, openedBefore);
        } finally {
            for (UUID id : List.of(openedLast, openedBefore, justEnded, endedLongAgo, upcoming)) {
                jdbc.sql("DELETE FROM products WHERE id = ?").param(id).update();
                redis.delete(redis.keys("fs:{" + id + "}:*"));
            }
        }
    }

    /** A sale of 10 units, 2 of them counted as sold, directly in PostgreSQL. */
    private UUID sale(Instant start, Instant end) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO products (id, name, price, total_quantity, sold_quantity, per_user_limit, sale_start_at, sale_end_at)
                VALUES (?, ?, 1.00, 10, 2, 1, ?, ?)""")
                .params(id, "gauged " + id, Timestamp.from(start), Timestamp.from(end))
                .update();
        return id;
    }

    private static Map<UUID, Double> gauged(SimpleMeterRegistry meters, String name) {
        List<Gauge> gauges = new ArrayList<>(meters.find(name).gauges());
        return gauges.stream().collect(Collectors.toMap(g -> UUID.fromString(g.getId().getTag("product")), Gauge::value));
    }
}
