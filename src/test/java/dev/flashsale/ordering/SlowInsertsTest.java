package dev.flashsale.ordering;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.flashsale.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL inserting orders slowly (a trigger: 20 ms an order, so 50 fit in the transaction's
 * timeout of a second) while a crowd of 150 buys at once. A batch of the whole crowd would run
 * out of time, and so would each of its buyers' retries; the writers shrink their batches until
 * they commit, and every buyer gets 201.
 */
@TestPropertySource(properties = "flashsale.ordering.write-timeout=1s")
class SlowInsertsTest extends IntegrationTest {

    private static final int CROWD = 150;

    @Autowired
    private MeterRegistry meters;

    @AfterEach
    void dropTrigger() {
        jdbc.sql("DROP TRIGGER IF EXISTS test_slow_inserts ON orders").update();
    }

    @Test
    void batchesShrinkUntilTheyCommitWithinTheTimeout() {
        UUID product = liveProduct(CROWD, 1);
        jdbc.sql("""
                CREATE OR REPLACE FUNCTION test_slow_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.product_id = '%s' THEN
                        PERFORM pg_sleep(0.02);
                    END IF;
                    RETURN NEW;
                END $$""".formatted(product)).update();
        jdbc.sql("CREATE TRIGGER test_slow_inserts BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION test_slow_inserts()")
                .update();

        Map<String, AtomicInteger> outcomes = race(product, CROWD, i -> "slow-crowd-" + i);

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(CROWD);
        assertThat(completedOrders(product)).isEqualTo(CROWD);
        double limit = meters.get("flashsale.orders.batch.limit").gauge().value();
        assertThat(limit).as("the batch limit at 20 ms an order").isBetween(1.0, 25.0);
        dropTrigger();
        assertInvariantsHold(product);
        // once orders insert quickly again, quick commits raise the limit
        Map<String, AtomicInteger> quick = race(liveProduct(20, 1), 20, i -> "quick-again-" + i);
        assertThat(count(quick, "201")).as(quick.toString()).isEqualTo(20);
        assertThat(meters.get("flashsale.orders.batch.limit").gauge().value()).isGreaterThan(2 * limit);
    }
}
