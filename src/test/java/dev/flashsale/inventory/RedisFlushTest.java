package dev.flashsale.inventory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import dev.flashsale.support.Api;
import io.micrometer.core.instrument.MeterRegistry;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Redis loses a sale's state (as after a restart without persistence) in the middle of the sale. */
class RedisFlushTest extends IntegrationTest {

    /** The advisory lock that holds this test's order transactions. */
    private static final long GATE = 7_311_001L;

    @Autowired
    private DataSource dataSource;

    @Autowired
    private InventoryProperties inventory;

    @Autowired
    private MeterRegistry meters;

    @Test
    void warmUpRestoresTheExactStateAndNothingIsOversoldAfterwards() {
        UUID product = liveProduct(100, 1);
        for (int i = 0; i < 30; i++) {
            assertThat(buy(product, "early-" + i).status()).isEqualTo(201);
        }
        Api.Reply mixed = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\",\"quantity\":1}",
                Api.user("early-0"));
        assertThat(mixed.code()).isEqualTo("ALREADY_PURCHASED");

        loseRedisState(product);

        // the next attempt finds no state in Redis and rebuilds it from PostgreSQL first
        assertThat(buy(product, "first-after-flush").status()).isEqualTo(201);
        assertThat(redisStock(product)).isEqualTo(69);
        assertThat(redisBuyers(product)).isEqualTo(31);
        assertThat(redisBuyer(product, "early-7")).as("a buyer from before the flush").isTrue();
        assertThat(buy(product, "early-7").code()).isEqualTo("ALREADY_PURCHASED");

        Map<String, AtomicInteger> outcomes = race(product, 200, i -> "late-" + i);
        assertThat(outcomes.get("201").get()).isEqualTo(69);
        assertThat(outcomes.get("409 SOLD_OUT").get()).isEqualTo(131);
        assertThat(completedOrders(product)).isEqualTo(100);
        assertInvariantsHold(product);
    }

    /**
     * A crowd meets a sale whose state Redis lost: the requests that find it missing wait for one
     * warm-up, and none reads PostgreSQL and Redis again behind it (before, each did in turn, under
     * a lock: seconds of stall for a crowd on a small machine).
     */
    @Test
    void aCrowdThatFindsTheStateMissingWaitsForOneWarmUp() {
        UUID product = liveProduct(100, 1);
        for (int i = 0; i < 30; i++) {
            assertThat(buy(product, "early-" + i).status()).isEqualTo(201);
        }
        loseRedisState(product);
        long installedBefore = warmUps("installed");
        long presentBefore = warmUps("present");

        Map<String, AtomicInteger> outcomes = race(product, 200, i -> "crowd-" + i);

        assertThat(warmUps("installed") - installedBefore).as("warm-ups that installed the state").isPositive();
        assertThat(warmUps("present") - presentBefore).as("warm-ups that found it installed already").isZero();
        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(70);
        assertThat(count(outcomes, "409 SOLD_OUT")).as(outcomes.toString()).isEqualTo(130);
        assertThat(completedOrders(product)).isEqualTo(100);
        assertInvariantsHold(product);
    }

    /**
     * Redis is flushed while every unit is reserved and no order has committed: a trigger holds each
     * transaction that writes this product's orders until the test opens a gate (an advisory lock it
     * holds). The warm-up then sees no sales and hands all 100 units out again (to a second wave,
     * and to the first wave's stragglers); when the gate opens, each unit has two orders waiting,
     * PostgreSQL must admit exactly one of them, and the sale still ends at exactly the stock.
     *
     * <p>A gate rather than a sleep: with group commit, a per-row sleep made one batch of ~95 orders
     * outlast the write timeout when the wave arrived at once (seen in CI), and a per-statement sleep
     * let a warm app's second wave arrive within the sold-out cache's lifetime and never reach Redis.
     */
    @Test
    void aFlushWhileOrdersAreInFlightNeverOversellsOrSellsTwiceToOneUser(TestReporter reporter) throws Exception {
        UUID product = liveProduct(100, 1);
        jdbc.sql("""
                CREATE OR REPLACE FUNCTION test_gated_orders() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM inserted WHERE product_id = '%s') THEN
                        PERFORM pg_advisory_xact_lock_shared(%d);
                    END IF;
                    RETURN NULL;
                END $$""".formatted(product, GATE)).update();
        jdbc.sql("""
                CREATE TRIGGER test_gated_orders AFTER INSERT ON orders REFERENCING NEW TABLE AS inserted
                FOR EACH STATEMENT EXECUTE FUNCTION test_gated_orders()""").update();
        Map<String, AtomicInteger> firstWave;
        Map<String, AtomicInteger> secondWave;
        long committedAtFlush;
        try (Connection gate = dataSource.getConnection();
             ExecutorService waves = Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                query(gate, "SELECT pg_advisory_lock(" + GATE + ")");
                Future<Map<String, AtomicInteger>> first = waves.submit(() -> race(product, 300, i -> "first-" + i));
                await().pollInterval(Duration.ofMillis(5)).until(() -> redisStock(product) == 0);
                committedAtFlush = completedOrders(product);
                loseRedisState(product);
                // an instance that saw the product sold out refuses it without asking Redis for
                // this long; the second wave must reach Redis, find nothing and warm it up
                Thread.sleep(inventory.localStockTtl().plusMillis(100));
                Future<Map<String, AtomicInteger>> second = waves.submit(() -> race(product, 300, i -> "second-" + i));
                await().pollInterval(Duration.ofMillis(5)).until(() -> redisStock(product) == 0);
                query(gate, "SELECT pg_advisory_unlock(" + GATE + ")");
                firstWave = first.get();
                secondWave = second.get();
            } finally {
                query(gate, "SELECT pg_advisory_unlock_all()");
            }
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_gated_orders ON orders").update();
        }
        reporter.publishEntry("redis flush",
                committedAtFlush + " of 100 committed at the flush: " + firstWave + " / " + secondWave);
        assertThat(committedAtFlush).as("orders committed before the flush").isZero();
        // the warm-up found no sales and handed every unit out again, to the second wave and to
        // the first wave's stragglers: 100 reservations before the flush, 100 after
        assertThat(count(firstWave, "201") + count(firstWave, "409 INVENTORY_CONFLICT")
                + count(secondWave, "201") + count(secondWave, "409 INVENTORY_CONFLICT"))
                .as("reservations across both waves").isEqualTo(200);
        // each unit had an order of each wave waiting: PostgreSQL admitted one of the two (an order
        // waiting for a group commit holds no lock, so either may come first), never both
        int sold = count(firstWave, "201") + count(secondWave, "201");
        assertThat(sold).as("sold across both waves").isEqualTo(100);
        assertThat(count(firstWave, "409 INVENTORY_CONFLICT") + count(secondWave, "409 INVENTORY_CONFLICT"))
                .as("orders refused for a unit the other wave holds").isEqualTo(100);
        assertThat(completedOrders(product)).isEqualTo(100);
        assertThat(firstWave.keySet()).allMatch(k -> k.equals("201") || k.startsWith("409"));
        assertThat(secondWave.keySet()).allMatch(k -> k.equals("201") || k.startsWith("409"));

        // the refused orders' units belong to the admitted ones: nothing is handed out again
        Map<String, AtomicInteger> third = race(product, 100, i -> "third-" + i);
        assertThat(third).containsOnlyKeys("409 SOLD_OUT");
        assertThat(completedOrders(product)).isEqualTo(100);
        assertInvariantsHold(product);
    }

    private long warmUps(String outcome) {
        return meters.get("flashsale.inventory.warmups").tag("outcome", outcome).timer().count();
    }

    private static void query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /**
     * Redis loses this sale's state, as a restart without persistence loses everything: every key
     * of the sale goes (the test's own keys only, so other tests sharing the server are unaffected).
     */
    private void loseRedisState(UUID product) {
        Set<String> keys = redis.keys("fs:{" + product + "}*");
        assertThat(keys).isNotEmpty();
        redis.delete(keys);
    }
}
