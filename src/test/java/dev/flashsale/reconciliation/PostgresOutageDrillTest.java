package dev.flashsale.reconciliation;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.flashsale.support.FaultDrill;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The network to PostgreSQL is cut mid-sale, then restored; the service is not restarted. */
class PostgresOutageDrillTest extends FaultDrill {

    @Test
    void purchasesGet503NothingIsLostAndTheServiceRecoversByItself() {
        UUID product = liveProduct(10, 1);
        // the sold counter's listener is slow for this product, so the cut catches it mid-transaction
        jdbc.sql("""
                CREATE OR REPLACE FUNCTION test_slow_counter() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.product_id = '%s' THEN
                        PERFORM pg_sleep(1);
                    END IF;
                    RETURN NEW;
                END $$""".formatted(product)).update();
        jdbc.sql("CREATE TRIGGER test_slow_counter BEFORE INSERT ON sold_counter_ledger FOR EACH ROW "
                + "EXECUTE FUNCTION test_slow_counter()").update();
        assertThat(buy(product, "before").status()).isEqualTo(201);

        DATABASE.cut();
        Map<String, AtomicInteger> during;
        Instant fastFrom;
        try {
            during = race(product, 6, i -> "during-" + i);
            // the circuit breaker is open now: further attempts fail at once, before reserving
            fastFrom = Instant.now();
            for (int i = 0; i < 5; i++) {
                assertThat(buy(product, "meanwhile-" + i).status()).isEqualTo(503);
            }
            assertThat(Duration.between(fastFrom, Instant.now())).isLessThan(Duration.ofSeconds(2));
            // the status page still answers, from Redis and the cached definition
            assertThat(api.get("/api/v1/sale/status/" + product).data().path("availableQuantity").asInt()).isEqualTo(9);
            // nothing reserved is left behind: every unit went back
            assertThat(redisStock(product)).isEqualTo(9);
            assertThat(redisPending(product)).isZero();
            assertThat(redisBuyers(product)).isEqualTo(1);
            assertThat(direct().sql("SELECT count(*) FROM orders WHERE product_id = ?").param(product)
                    .query(Long.class).single()).isEqualTo(1);
        } finally {
            DATABASE.restore();
            direct().sql("DROP TRIGGER IF EXISTS test_slow_counter ON sold_counter_ledger").update();
        }
        assertThat(during).as(during.toString()).containsOnlyKeys("503 SERVICE_UNAVAILABLE");

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                .until(() -> buy(product, "after").status() == 201);
        assertThat(buy(product, "during-0").status()).as("a buyer refused during the outage can buy now").isEqualTo(201);
        try {
            assertInvariantsHold(product);
        } catch (RuntimeException | AssertionError e) {
            System.out.println("publications: " + direct().sql(
                    "SELECT status, completion_attempts, publication_date, last_resubmission_date, completion_date FROM event_publication WHERE serialized_event LIKE ?")
                    .param("%" + product + "%").query().listOfRows());
            throw e;
        }
    }
}
