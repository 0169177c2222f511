package dev.flashsale.ordering;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An order that waits for a database writer longer than {@code queue-timeout} is withdrawn: the
 * buyer gets 503, the reservation is released, and the order is never written, not even once the
 * writer is free again. One writer, held busy by an order a trigger keeps for two seconds.
 */
@TestPropertySource(properties = {"flashsale.ordering.writers=1", "flashsale.ordering.queue-timeout=500ms"})
class OrderQueueTimeoutTest extends IntegrationTest {

    @AfterEach
    void dropTrigger() {
        jdbc.sql("DROP TRIGGER IF EXISTS test_slow_orders ON orders").update();
    }

    @Test
    void anOrderThatWaitedTooLongIsWithdrawnNotWritten() {
        UUID product = liveProduct(5, 1);
        jdbc.sql("""
                CREATE OR REPLACE FUNCTION test_slow_orders() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.user_id LIKE 'slow-%' THEN
                        PERFORM pg_sleep(2);
                    END IF;
                    RETURN NEW;
                END $$""").update();
        jdbc.sql("CREATE TRIGGER test_slow_orders BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION test_slow_orders()")
                .update();

        CompletableFuture<Api.Reply> slow = CompletableFuture.supplyAsync(() -> buy(product, "slow-1"));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> orderInsertsInProgress() == 1);

        Api.Reply waited = buy(product, "patient");

        assertThat(waited.status()).as(waited.toString()).isEqualTo(503);
        assertThat(waited.code()).isEqualTo("SERVICE_UNAVAILABLE");
        assertThat(waited.headers().firstValue("Retry-After")).isPresent();
        assertThat(redisBuyer(product, "patient")).isFalse();
        assertThat(slow.join().status()).isEqualTo(201);
        // the writer is free now; the withdrawn order must not be written late
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE product_id = ? AND user_id = 'patient'").param(product)
                .query(Long.class).single()).isZero();
        assertThat(completedOrders(product)).isEqualTo(1);

        Api.Reply again = buy(product, "patient");
        assertThat(again.status()).as(again.toString()).isEqualTo(201);
        dropTrigger();
        assertInvariantsHold(product);
    }
}
