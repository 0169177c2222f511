package dev.flashsale.reconciliation;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.flashsale.support.Api;
import dev.flashsale.support.FaultDrill;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis loses recent writes but looks valid: it is restarted from a snapshot taken earlier in the
 * sale (as after restoring a backup, or promoting an asynchronous replica). Warm-up does not
 * trigger; PostgreSQL must refuse every unit and every second purchase Redis would allow.
 */
class StaleRedisDrillTest extends FaultDrill {

    @Test
    void sellingOnFromAnOlderSnapshotNeverOversellsOrSellsTwiceToOneUser() {
        UUID product = liveProduct(60, 1);
        sell(product, "early-", 20);
        snapshot();
        sell(product, "later-", 20);
        restartFromSnapshot();
        assertThat(redisStock(product)).as("Redis believes 20 units fewer were sold").isEqualTo(40);

        Map<String, AtomicInteger> again = race(product, 20, i -> "later-" + i);
        Map<String, AtomicInteger> fresh = race(product, 60, i -> "fresh-" + i);

        assertThat(again).as("the buyers Redis forgot").containsOnlyKeys("409 ALREADY_PURCHASED");
        assertThat(count(fresh, "201")).as(fresh.toString()).isEqualTo(20);
        assertThat(fresh.keySet()).allMatch(k -> k.equals("201") || k.startsWith("409"));
        assertThat(completedOrders(product)).isEqualTo(60);
        assertThat(race(product, 10, i -> "late-" + i)).containsOnlyKeys("409 SOLD_OUT");

        assertThat(api.post("/api/v1/admin/reconciler/run", "", Api.admin()).status()).isEqualTo(200);
        assertInvariantsHold(product);
    }

    @Test
    void theReconcilerRepairsAStaleRedisBeforeAnyoneIsTurnedAway() {
        UUID product = liveProduct(30, 1);
        sell(product, "first-", 10);
        snapshot();
        sell(product, "second-", 10);
        restartFromSnapshot();

        JsonNode before = audit(product);
        assertThat(before.path("allHold").asBoolean()).isFalse();
        assertThat(before.path("redis").path("buyersMissing").asInt()).isEqualTo(10);
        assertThat(before.path("invariants").path("I1").path("holds").asBoolean()).as("PostgreSQL never oversold").isTrue();

        JsonNode report = api.post("/api/v1/admin/reconciler/run", "", Api.admin()).data();
        JsonNode repair = null;
        for (JsonNode r : report.path("repairs")) {
            if (r.path("productId").asString().equals(product.toString())) {
                repair = r;
            }
        }
        assertThat(repair).as(report.toString()).isNotNull();
        assertThat(repair.path("buyersRestored").asInt()).isEqualTo(10);
        assertThat(repair.path("stockBefore").asInt()).isEqualTo(20);
        assertThat(repair.path("stockAfter").asInt()).isEqualTo(10);
        assertThat(audit(product).path("allHold").asBoolean()).isTrue();

        Map<String, AtomicInteger> outcomes = race(product, 20, i -> "third-" + i);
        assertThat(outcomes).as("no conflicts left to refuse").containsOnlyKeys("201", "409 SOLD_OUT");
        assertThat(count(outcomes, "201")).isEqualTo(10);
        assertThat(buy(product, "second-3").code()).isEqualTo("ALREADY_PURCHASED");
        assertInvariantsHold(product);
    }

    private void sell(UUID product, String prefix, int users) {
        for (int i = 0; i < users; i++) {
            Api.Reply reply = buy(product, prefix + i);
            assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        }
    }

    private void snapshot() {
        snapshotRedis();
    }

    private void restartFromSnapshot() {
        stopRedis();
        startRedis();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> "PONG".equals(redis.execute(c -> c.ping(), true)));
    }
}
