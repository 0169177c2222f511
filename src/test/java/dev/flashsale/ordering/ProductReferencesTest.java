package dev.flashsale.ordering;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.flashsale.ordering.internal.Orders;
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
 * Orders and units refer to existing products, checked once per statement by the schema's triggers
 * (not by foreign keys, which lock the product's row once per inserted row): a reference to no
 * product is refused, a product with orders stays, and under concurrency whichever of an order and
 * a deletion comes second waits for the first and is refused.
 */
class ProductReferencesTest extends IntegrationTest {

    @Autowired
    private Orders orders;

    @Autowired
    private TransactionTemplate transactions;

    @Autowired
    private DataSource dataSource;

    @Test
    void aBatchWithAnOrderOfNoProductIsRefusedWhole() {
        UUID product = liveProduct(10, 1);
        UUID nowhere = UUID.randomUUID();
        List<Orders.NewOrder> batch = List.of(newOrder(product, "real-" + product, List.of(1)),
                newOrder(nowhere, "nowhere-" + product, List.of(1)));

        assertThatThrownBy(() -> transactions.executeWithoutResult(status -> orders.insert(batch)))
                .isInstanceOf(DataIntegrityViolationException.class)
                .rootCause().isInstanceOfSatisfying(PSQLException.class, refused -> {
                    assertThat(refused.getSQLState()).isEqualTo("23503");
                    assertThat(refused.getServerErrorMessage().getConstraint()).isEqualTo("orders_product_id_fkey");
                });
        assertThat(count("SELECT count(*) FROM orders WHERE product_id IN (?, ?)", product, nowhere)).isZero();
        assertThat(count("SELECT count(*) FROM order_units WHERE product_id IN (?, ?)", product, nowhere)).isZero();

        commitOrder(product, "moved-" + product, 2);
        assertThatThrownBy(() -> jdbc.sql("UPDATE orders SET product_id = ? WHERE product_id = ?")
                .params(nowhere, product).update())
                .isInstanceOf(DataIntegrityViolationException.class)
                .hasMessageContaining("which does not exist");
    }

    @Test
    void aUnitOfNoProductIsRefused() {
        UUID product = liveProduct(10, 1);
        UUID order = UUID.randomUUID();
        UUID nowhere = UUID.randomUUID();

        assertThatThrownBy(() -> transactions.executeWithoutResult(status -> {
            jdbc.sql("INSERT INTO orders (id, user_id, product_id, quantity, unit_price, status) "
                    + "VALUES (?, ?, ?, 1, 19.99, 'completed')").params(order, "unit-" + product, product).update();
            jdbc.sql("INSERT INTO order_units (product_id, unit_no, order_id) VALUES (?, 1, ?)")
                    .params(nowhere, order).update();
        })).isInstanceOf(DataIntegrityViolationException.class)
                .rootCause().isInstanceOfSatisfying(PSQLException.class, refused ->
                        assertThat(refused.getServerErrorMessage().getConstraint()).isEqualTo("order_units_product_id_fkey"));
        assertThat(count("SELECT count(*) FROM orders WHERE id = ?", order)).isZero();
    }

    @Test
    void aProductWithOrdersIsNeitherDeletedNorGivenAnotherId() {
        UUID sold = liveProduct(10, 1);
        commitOrder(sold, "buyer-" + sold, 1);
        UUID unsold = liveProduct(10, 1);

        assertThatThrownBy(() -> jdbc.sql("DELETE FROM products WHERE id = ?").param(sold).update())
                .isInstanceOf(DataIntegrityViolationException.class)
                .hasMessageContaining("is referred to by orders");
        assertThatThrownBy(() -> jdbc.sql("UPDATE products SET id = ? WHERE id = ?").params(UUID.randomUUID(), sold).update())
                .isInstanceOf(DataIntegrityViolationException.class)
                .hasMessageContaining("is referred to by orders");
        assertThat(count("SELECT count(*) FROM products WHERE id = ?", sold)).isEqualTo(1);

        assertThat(jdbc.sql("DELETE FROM products WHERE id = ?").param(unsold).update()).isEqualTo(1);
    }

    /** The order's transaction is open (its product locked) when the deletion comes: it waits, then sees the order. */
    @Test
    void aDeletionWaitsForAnOrderInFlightAndIsRefused() throws Exception {
        UUID product = liveProduct(10, 1);
        Future<Integer> deletion;
        try (Connection buyer = dataSource.getConnection();
             ExecutorService admin = Executors.newVirtualThreadPerTaskExecutor()) {
            buyer.setAutoCommit(false);
            try {
                insertOrder(buyer, product, "in-flight-" + product);
                deletion = admin.submit(() -> jdbc.sql("DELETE FROM products WHERE id = ?").param(product).update());
                await().atMost(Duration.ofSeconds(20)).until(() -> deletion.isDone() || waitingForARow() == 1);
                assertThat(deletion).as("the deletion waits for the order's transaction").isNotDone();
                buyer.commit();
            } finally {
                buyer.rollback();
                buyer.setAutoCommit(true);
            }
            assertThatThrownBy(() -> deletion.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(DataIntegrityViolationException.class)
                    .hasMessageContaining("is referred to by orders");
        }
        assertThat(count("SELECT count(*) FROM orders WHERE product_id = ?", product)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM products WHERE id = ?", product)).isEqualTo(1);
    }

    /** The deletion's transaction is open when the order comes: the order waits, then finds no product. */
    @Test
    void anOrderWaitsForADeletionInFlightAndIsRefused() throws Exception {
        UUID product = liveProduct(10, 1);
        Future<?> order;
        try (Connection admin = dataSource.getConnection();
             ExecutorService buyers = Executors.newVirtualThreadPerTaskExecutor()) {
            admin.setAutoCommit(false);
            try {
                execute(admin, "DELETE FROM products WHERE id = '" + product + "'");
                order = buyers.submit(() -> transactions.executeWithoutResult(status ->
                        orders.insert(List.of(newOrder(product, "late-" + product, List.of(1))))));
                await().atMost(Duration.ofSeconds(20)).until(() -> order.isDone() || waitingForARow() == 1);
                assertThat(order).as("the order waits for the deletion's transaction").isNotDone();
                admin.commit();
            } finally {
                admin.rollback();
                admin.setAutoCommit(true);
            }
            assertThatThrownBy(() -> order.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(DataIntegrityViolationException.class)
                    .rootCause().isInstanceOfSatisfying(PSQLException.class, refused ->
                            assertThat(refused.getServerErrorMessage().getConstraint()).isEqualTo("orders_product_id_fkey"));
        }
        assertThat(count("SELECT count(*) FROM orders WHERE product_id = ?", product)).isZero();
        assertThat(count("SELECT count(*) FROM order_units WHERE product_id = ?", product)).isZero();
    }

    private static Orders.NewOrder newOrder(UUID product, String user, List<Integer> units) {
        Order order = new Order(UUID.randomUUID(), user, product, units.size(), new BigDecimal("19.99"),
                OrderStatus.COMPLETED, Instant.now().truncatedTo(ChronoUnit.MICROS), null);
        return new Orders.NewOrder(order, units, null);
    }

    /** A completed order with its unit, committed. */
    private void commitOrder(UUID product, String user, int unit) {
        transactions.executeWithoutResult(status -> orders.insert(List.of(newOrder(product, user, List.of(unit)))));
    }

    private static void insertOrder(Connection connection, UUID product, String user) throws SQLException {
        UUID order = UUID.randomUUID();
        execute(connection, "INSERT INTO orders (id, user_id, product_id, quantity, unit_price, status) VALUES ('"
                + order + "', '" + user + "', '" + product + "', 1, 19.99, 'completed')");
        execute(connection, "INSERT INTO order_units (product_id, unit_no, order_id) VALUES ('"
                + product + "', 1, '" + order + "')");
    }

    private long count(String sql, Object... params) {
        return jdbc.sql(sql).params(params).query(Long.class).single();
    }

    private long waitingForARow() {
        return jdbc.sql("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                  AND wait_event IN ('transactionid', 'tuple')""").query(Long.class).single();
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
