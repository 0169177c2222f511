package dev.flashsale.reconciliation;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.FaultDrill;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Redis goes away mid-sale and comes back empty. */
class RedisOutageDrillTest extends FaultDrill {

    @Test
    void purchasesFailFastStatusFallsBackToPostgresAndSellingResumesOnlyFromARebuiltState() {
        UUID product = liveProduct(10, 1);
        for (int i = 0; i < 3; i++) {
            assertThat(buy(product, "before-" + i).status()).isEqualTo(201);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> soldQuantity(product) == 3);

        stopRedis();
        try {
            Instant start = Instant.now();
            for (int i = 0; i < 20; i++) {
                Instant attempt = Instant.now();
                Api.Reply reply = buy(product, "during-" + i);
                assertThat(reply.status()).as(reply.toString()).isEqualTo(503);
                assertThat(reply.code()).isEqualTo("SERVICE_UNAVAILABLE");
                assertThat(reply.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(reply.json().path("instance").asString()).isEqualTo("/api/v1/sale/purchase");
                assertThat(Duration.between(attempt, Instant.now())).isLessThan(Duration.ofSeconds(3));
            }
            assertThat(Duration.between(start, Instant.now())).as("20 attempts, no timeout pile-up")
                    .isLessThan(Duration.ofSeconds(10));

            // the stock this instance last saw is shown for at most local-stock-ttl (200 ms); after
            // that the status comes from PostgreSQL, marked degraded
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                JsonNode status = api.get("/api/v1/sale/status/" + product).data();
                assertThat(status.path("degraded").asBoolean()).isTrue();
                assertThat(status.path("availableQuantity").asInt()).isEqualTo(7);
            });
            assertThat(api.get("/api/v1/sale/products").status()).isEqualTo(200);
            assertThat(completedOrders(product)).isEqualTo(3);
        } finally {
            deleteRedisSnapshot();
            startRedis();
        }

        // Redis is back, empty: the first purchase rebuilds the state from PostgreSQL before selling
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> buy(product, "after-0").status() == 201);
        assertThat(buy(product, "before-1").code()).as("a buyer from before the outage").isEqualTo("ALREADY_PURCHASED");
        JsonNode status = status(product);
        assertThat(status.path("degraded").asBoolean()).isFalse();
        assertThat(status.path("availableQuantity").asInt()).isEqualTo(6);
        assertInvariantsHold(product);
    }
}
