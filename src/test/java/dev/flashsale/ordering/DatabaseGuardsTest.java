package dev.flashsale.ordering;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import dev.flashsale.inventory.InventoryProperties;
import dev.flashsale.ordering.internal.Orders;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Each of PostgreSQL's guards, reached alone: Redis is wrong in exactly the way that guard exists
 * for, and nothing in front of PostgreSQL (the instance's caches of buyers and sold-out sales, the
 * reservation script) knows better. Remove the guard and its test sells what must not be sold.
 */
class DatabaseGuardsTest extends IntegrationTest {

    @Autowired
    private InventoryProperties inventory;

    @Autowired
    private Orders orders;

    @Autowired
    private TransactionTemplate transactions;

    /**
     * A buyer whose completed order was committed elsewhere (another instance, before Redis lost
     * it): neither Redis nor this instance has heard of them, and the order holds a unit Redis does
     * not hand out next. Only the partial unique index {@code orders_one_completed_per_user} stands
     * between them and a second order.
     */
    @Test
    void theUniqueIndexRefusesASecondCompletedOrderNobodyElseKnowsAbout() {
        UUID product = liveProduct(5, 1);
        String user = "elsewhere-" + UUID.randomUUID();
        commitOrderElsewhere(product, user, 5);
        assertThat(redisBuyer(product, user)).isFalse();

        Api.Reply again = buy(product, user);

        assertThat(again.status()).as(again.toString()).isEqualTo(409);
        assertThat(again.code()).isEqualTo("ALREADY_PURCHASED");
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE product_id = ? AND user_id = ? AND status = 'completed'")
                .params(product, user).query(Long.class).single()).as("I2 completed orders of the user").isEqualTo(1);
    }

    /**
     * A sale sold out, then its stock raised in Redis behind PostgreSQL's back (a restored snapshot,
     * a hand edit): Redis hands out unit 6 of a stock of 5. Only the trigger
     * {@code order_units_within_stock} refuses it.
     */
    @Test
    void theUnitTriggerRefusesAUnitBeyondTheStockThatRedisHandsOut() throws InterruptedException {
        UUID product = liveProduct(5, 1);
        for (int i = 0; i < 5; i++) {
            assertThat(buy(product, "stock-" + i + "-" + product).status()).isEqualTo(201);
        }
        redis.opsForValue().increment("fs:{" + product + "}:stock");
        // an instance that saw the sale sold out refuses it without asking Redis for this long
        Thread.sleep(inventory.localStockTtl().plusMillis(100).toMillis());

        Api.Reply beyond = buy(product, "beyond-" + product);

        assertThat(beyond.status()).as(beyond.toString()).isEqualTo(409);
        assertThat(beyond.code()).isEqualTo("INVENTORY_CONFLICT");
        assertThat(completedQuantity(product)).as("I1 units sold of 5").isEqualTo(5);
        assertThat(jdbc.sql("SELECT max(unit_no) FROM order_units WHERE product_id = ?")
                .param(product).query(Integer.class).single()).isEqualTo(5);
    }

    /**
     * A unit committed elsewhere that Redis would hand out first: only the primary key of
     * {@code order_units} refuses a second owner of unit 1.
     */
    @Test
    void theUnitKeyRefusesAUnitSoldTwice() {
        UUID product = liveProduct(5, 1);
        commitOrderElsewhere(product, "first-owner-" + product, 1);

        Api.Reply second = buy(product, "second-owner-" + product);

        assertThat(second.status()).as(second.toString()).isEqualTo(409);
        assertThat(second.code()).isEqualTo("INVENTORY_CONFLICT");
        assertThat(jdbc.sql("SELECT count(*) FROM order_units WHERE product_id = ? AND unit_no = 1")
                .param(product).query(Long.class).single()).isEqualTo(1);
        // the refused unit is not handed out again: the next buyer gets another and succeeds
        await().atMost(Duration.ofSeconds(5)).until(() -> redisPending(product) == 0);
        assertThat(buy(product, "third-" + product).status()).isEqualTo(201);
    }

    /**
     * A batch of orders as a group commit writes it (one statement), one of them above its
     * product's per-user limit, as if the instance and Redis both had an old limit: only the trigger
     * {@code orders_within_user_limit} refuses it, and with it the whole statement. Raising an
     * order's quantity afterwards is refused as well.
     */
    @Test
    void theLimitTriggerRefusesABatchWithAnOrderAboveTheLimit() {
        UUID limitOne = liveProduct(10, 1);
        UUID limitTwo = liveProduct(10, 2);
        List<Orders.NewOrder> batch = List.of(
                newOrder(limitTwo, "within-" + limitTwo, 2, List.of(1, 2)),
                newOrder(limitOne, "above-" + limitOne, 2, List.of(1, 2)),
                newOrder(limitOne, "one-" + limitOne, 1, List.of(3)));

        assertThatThrownBy(() -> transactions.executeWithoutResult(status -> orders.insert(batch)))
                .isInstanceOf(DataIntegrityViolationException.class)
                .rootCause().isInstanceOfSatisfying(PSQLException.class, refused ->
                        assertThat(refused.getServerErrorMessage().getConstraint()).isEqualTo("orders_within_user_limit"));
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE product_id IN (?, ?)").params(limitOne, limitTwo)
                .query(Long.class).single()).as("orders of the refused batch").isZero();

        transactions.executeWithoutResult(status -> orders.insert(List.of(batch.get(0), batch.get(2))));
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE product_id IN (?, ?)").params(limitOne, limitTwo)
                .query(Long.class).single()).as("orders within their limits").isEqualTo(2);
        assertThatThrownBy(() -> jdbc.sql("UPDATE orders SET quantity = 2 WHERE user_id = ?").param("one-" + limitOne).update())
                .isInstanceOf(DataIntegrityViolationException.class)
                .hasMessageContaining("exceeds the per-user limit");
    }

    private static Orders.NewOrder newOrder(UUID product, String user, int quantity, List<Integer> units) {
        Order order = new Order(UUID.randomUUID(), user, product, quantity, new BigDecimal("19.99"), OrderStatus.COMPLETED,
                Instant.now().truncatedTo(ChronoUnit.MICROS), null);
        return new Orders.NewOrder(order, units, null);
    }

    /** A completed order, with its numbered unit, committed straight to PostgreSQL. */
    private void commitOrderElsewhere(UUID product, String user, int unit) {
        UUID order = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO orders (id, user_id, product_id, quantity, unit_price, status)
                VALUES (?, ?, ?, 1, 19.99, 'completed')""").params(order, user, product).update();
        jdbc.sql("INSERT INTO order_units (product_id, unit_no, order_id) VALUES (?, ?, ?)")
                .params(product, unit, order).update();
    }
}
