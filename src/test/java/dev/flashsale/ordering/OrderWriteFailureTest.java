package dev.flashsale.ordering;

import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL refuses to write the order (a trigger raises an error for this test's product only):
 * the client gets 503, and the reservation is released — stock and buyer restored, nothing pending.
 */
class OrderWriteFailureTest extends IntegrationTest {

    private UUID product;

    @AfterEach
    void healTheDatabase() {
        jdbc.sql("DROP TRIGGER IF EXISTS test_refuse_orders ON orders").update();
    }

    @Test
    void whenTheOrderInsertFailsTheStockAndTheBuyerAreRestored() {
        product = liveProduct(3, 1);
        jdbc.sql("""
                CREATE OR REPLACE FUNCTION test_refuse_orders() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.product_id = '%s' THEN
                        RAISE EXCEPTION 'simulated database failure';
                    END IF;
                    RETURN NEW;
                END $$""".formatted(product)).update();
        jdbc.sql("CREATE TRIGGER test_refuse_orders BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION test_refuse_orders()")
                .update();
        long publicationsBefore = jdbc.sql("SELECT count(*) FROM event_publication").query(Long.class).single();

        Api.Reply reply = buy(product, "unlucky");

        assertThat(reply.status()).as(reply.toString()).isEqualTo(503);
        assertThat(reply.code()).isEqualTo("SERVICE_UNAVAILABLE");
        assertThat(redisStock(product)).isEqualTo(3);
        assertThat(redisBuyer(product, "unlucky")).isFalse();
        assertThat(redisPending(product)).isZero();
        assertThat(completedOrders(product)).isZero();
        assertThat(orderUnits(product)).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM event_publication").query(Long.class).single())
                .isEqualTo(publicationsBefore);

        healTheDatabase();
        Api.Reply retry = buy(product, "unlucky");
        assertThat(retry.status()).as(retry.toString()).isEqualTo(201);
        assertThat(jdbc.sql("SELECT unit_no FROM order_units WHERE product_id = ?").param(product)
                .query(Integer.class).single()).isEqualTo(1);
        assertInvariantsHold(product);
    }
}
