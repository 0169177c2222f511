package dev.flashsale.reconciliation;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.flashsale.outbox.OutboxProperties;
import dev.flashsale.support.FaultDrill;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The network to PostgreSQL is cut mid-sale, then restored; the service is not restarted. */
class PostgresOutageDrillTest extends FaultDrill {

    /** The advisory lock that holds this drill's sold-counter deliveries. */
    private static final long GATE = 7_311_015L;

    @Autowired
    private OutboxProperties outbox;

    @Autowired
    @Qualifier("taskExecutor")
    private ThreadPoolTaskExecutor deliveries;

    /**
     * The cut catches the outbox in both of the states where a delivery cannot record its own
     * failure: every listener thread in the middle of a sold-counter transaction (held at a gate),
     * and one more delivery queued behind them, which then cannot even mark itself started. None
     * waits for the minutes of {@code stuck-after}: all go again within seconds of the return.
     */
    @Test
    void purchasesGet503NothingIsLostAndTheServiceRecoversByItself(TestReporter reporter) throws Exception {
        UUID product = liveProduct(10, 1);
        int threads = outbox.listenerThreads();
        direct().sql("""
                CREATE OR REPLACE FUNCTION test_gated_counter() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.product_id = '%s' THEN
                        PERFORM pg_advisory_xact_lock_shared(%d);
                    END IF;
                    RETURN NEW;
                END $$""".formatted(product, GATE)).update();
        direct().sql("CREATE TRIGGER test_gated_counter BEFORE INSERT ON sold_counter_ledger FOR EACH ROW "
                + "EXECUTE FUNCTION test_gated_counter()").update();
        Map<String, AtomicInteger> during;
        try (Connection gate = DriverManager.getConnection(DATABASE_URL, DATABASE_USER, "")) {
            execute(gate, "SELECT pg_advisory_lock(" + GATE + ")");
            for (int i = 0; i <= threads; i++) {
                assertThat(buy(product, "before-" + i).status()).isEqualTo(201);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> deliveriesAtTheGate() == threads);

            DATABASE.cut();
            try {
                during = race(product, 6, i -> "during-" + i);
                // the circuit breaker is open now: further attempts fail at once, before reserving
                Instant fastFrom = Instant.now();
                for (int i = 0; i < 5; i++) {
                    assertThat(buy(product, "meanwhile-" + i).status()).isEqualTo(503);
                }
                assertThat(Duration.between(fastFrom, Instant.now())).isLessThan(Duration.ofSeconds(2));
                // the status page still answers, from Redis and the cached definition
                assertThat(api.get("/api/v1/sale/status/" + product).data().path("availableQuantity").asInt())
                        .isEqualTo(10 - threads - 1);
                // nothing reserved is left behind: every unit went back
                assertThat(redisStock(product)).isEqualTo(10 - threads - 1);
                assertThat(redisPending(product)).isZero();
                assertThat(redisBuyers(product)).isEqualTo(threads + 1);
                // the deliveries at the gate lost their connections; the one queued behind them
                // found no database to mark itself started
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> deliveries.getActiveCount() == 0 && deliveries.getQueueSize() == 0);
                assertThat(publications(product, "PROCESSING")).as("deliveries cut mid-transaction").isEqualTo(threads);
                assertThat(publications(product, "PUBLISHED")).as("delivery never started").isEqualTo(1);
            } finally {
                execute(gate, "SELECT pg_advisory_unlock_all()");
                DATABASE.restore();
            }
        } finally {
            direct().sql("DROP TRIGGER IF EXISTS test_gated_counter ON sold_counter_ledger").update();
        }
        assertThat(during).as(during.toString()).containsOnlyKeys("503 SERVICE_UNAVAILABLE");

        // every delivery goes again within seconds of the return (stuck-after is minutes)
        Instant restored = Instant.now();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            assertThat(soldQuantity(product)).isEqualTo(threads + 1);
            assertThat(direct().sql("SELECT count(*) FROM event_publication WHERE completion_date IS NULL "
                    + "AND serialized_event LIKE ?").param("%" + product + "%").query(Long.class).single()).isZero();
        });
        reporter.publishEntry("postgres outage", "outbox caught up " + Duration.between(restored, Instant.now()).toMillis()
                + " ms after PostgreSQL came back");

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                .until(() -> buy(product, "after").status() == 201);
        assertThat(buy(product, "during-0").status()).as("a buyer refused during the outage can buy now").isEqualTo(201);
        assertInvariantsHold(product);
    }

    private long deliveriesAtTheGate() {
        return direct().sql("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'""")
                .query(Long.class).single();
    }

    private long publications(UUID product, String status) {
        return direct().sql("SELECT count(*) FROM event_publication WHERE completion_date IS NULL "
                        + "AND coalesce(status, 'PUBLISHED') = ? AND serialized_event LIKE ?")
                .params(status, "%" + product + "%").query(Long.class).single();
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
