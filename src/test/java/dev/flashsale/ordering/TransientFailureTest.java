package dev.flashsale.ordering;

import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL fails the order write with a serialization failure (SQLSTATE 40001) a given number of
 * times (a trigger counts attempts with a sequence, which a rollback does not undo).
 */
class TransientFailureTest extends IntegrationTest {

    @AfterEach
    void heal() {
        jdbc.sql("DROP TRIGGER IF EXISTS test_flaky_orders ON orders").update();
        jdbc.sql("DROP SEQUENCE IF EXISTS test_flaky_attempts").update();
    }

    @Test
    void aTransientFailureIsRetriedAndTheBuyerNeverNoticesIt() {
        UUID product = liveProduct(3, 1);
        failTheFirstWrites(product, 2);

        Api.Reply reply = buy(product, "patient");

        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        assertThat(completedOrders(product)).isEqualTo(1);
        assertThat(attempts()).isEqualTo(3);
        assertInvariantsHold(product);
    }

    @Test
    void aFailureThatOutlastsTheRetriesReleasesTheReservationAndAnswers503() {
        UUID product = liveProduct(3, 1);
        failTheFirstWrites(product, 100);

        Api.Reply reply = buy(product, "unlucky");

        assertThat(reply.status()).as(reply.toString()).isEqualTo(503);
        assertThat(attempts()).as("one attempt and two retries").isEqualTo(3);
        assertThat(redisStock(product)).isEqualTo(3);
        assertThat(redisBuyer(product, "unlucky")).isFalse();
        assertThat(redisPending(product)).isZero();
        assertThat(completedOrders(product)).isZero();
    }

    private void failTheFirstWrites(UUID product, int failures) {
        jdbc.sql("CREATE SEQUENCE test_flaky_attempts").update();
        jdbc.sql("""
                CREATE OR REPLACE FUNCTION test_flaky_orders() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.product_id = '%s' AND nextval('test_flaky_attempts') <= %d THEN
                        RAISE EXCEPTION 'could not serialize access' USING ERRCODE = 'serialization_failure';
                    END IF;
                    RETURN NEW;
                END $$""".formatted(product, failures)).update();
        jdbc.sql("CREATE TRIGGER test_flaky_orders BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION test_flaky_orders()")
                .update();
    }

    private long attempts() {
        return jdbc.sql("SELECT last_value FROM test_flaky_attempts").query(Long.class).single();
    }
}
