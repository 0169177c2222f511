package dev.flashsale.ordering;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * I1 when an admin lowers the stock while the last units are being sold, and Redis (stale, or
 * failed over) let both through: PostgreSQL admits one of the two, whichever order they reach it
 * in. Each test makes one of them wait, deterministically, for the other to be in flight.
 */
class StockLoweringRaceTest extends IntegrationTest {

    /** The advisory lock that holds this test's unit inserts. */
    private static final long GATE = 7_311_014L;

    @Autowired
    private DataSource dataSource;

    /**
     * Unit 2 of 2 is being committed (held after its insert by a gate) when Redis loses the sale's
     * state; rebuilt from PostgreSQL's committed orders it lets the stock go down to 1. The lowering
     * waits for the order, then finds unit 2 sold and is refused; the order stands.
     */
    @Test
    void aLoweringWaitsForTheUnitsInFlightAndIsRefused() throws Exception {
        UUID product = liveProduct(2, 1);
        assertThat(buy(product, "race-first").status()).isEqualTo(201);
        String function = "test_gate_" + product.toString().replace('-', '_');
        jdbc.sql("""
                CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM units WHERE product_id = '%s') THEN
                        PERFORM pg_advisory_xact_lock_shared(%d);
                    END IF;
                    RETURN NULL;
                END $$""".formatted(function, product, GATE)).update();
        jdbc.sql("CREATE TRIGGER %s AFTER INSERT ON order_units REFERENCING NEW TABLE AS units "
                .formatted(function) + "FOR EACH STATEMENT EXECUTE FUNCTION %s()".formatted(function)).update();
        Api.Reply bought;
        Api.Reply lowered;
        try (Connection gate = dataSource.getConnection();
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                execute(gate, "SELECT pg_advisory_lock(" + GATE + ")");
                Future<Api.Reply> purchase = clients.submit(() -> buy(product, "race-second"));
                await().atMost(Duration.ofSeconds(20)).until(() -> waiting("advisory") == 1);

                deleteRedisState(product);
                Future<Api.Reply> lowering = clients.submit(() -> api.patch("/api/v1/admin/products/" + product,
                        "{\"totalQuantity\":1}", Api.admin()));
                await().atMost(Duration.ofSeconds(20)).until(() -> lowering.isDone() || waitingForARow() == 1);

                execute(gate, "SELECT pg_advisory_unlock(" + GATE + ")");
                bought = purchase.get(30, TimeUnit.SECONDS);
                lowered = lowering.get(30, TimeUnit.SECONDS);
            } finally {
                execute(gate, "SELECT pg_advisory_unlock_all()");
            }
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS %s ON order_units".formatted(function)).update();
            jdbc.sql("DROP FUNCTION IF EXISTS %s()".formatted(function)).update();
        }

        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        assertThat(lowered.status()).as(lowered.toString()).isEqualTo(409);
        assertThat(lowered.code()).isEqualTo("STOCK_BELOW_SOLD");
        assertThat(totalQuantity(product)).isEqualTo(2);
        assertNoUnitBeyondTheStock(product);
        // Redis, rebuilt while unit 2 was in flight, still counts it free: the reconciler repairs that
        Api.Reply pass = api.post("/api/v1/admin/reconciler/run", "", Api.admin());
        assertThat(pass.status()).as(pass.toString()).isEqualTo(200);
        assertInvariantsHold(product);
    }

    /**
     * The stock of 2 is being lowered to 1 (a transaction holding the update) when Redis, which
     * has not heard of it, hands out unit 2. The order waits for the lowering, then reads the new
     * stock and is refused as a unit taken; the lowering stands.
     */
    @Test
    void anOrderWaitsForALoweringInFlightAndIsRefused() throws Exception {
        UUID product = liveProduct(2, 1);
        assertThat(buy(product, "race-first").status()).isEqualTo(201);
        // its outbox delivery updates the product's row too: done first, it is not a second waiter below
        await().atMost(Duration.ofSeconds(10)).until(() -> soldQuantity(product) == 1);
        Api.Reply bought;
        try (Connection admin = dataSource.getConnection();
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            admin.setAutoCommit(false);
            try {
                execute(admin, "UPDATE products SET total_quantity = 1 WHERE id = '" + product + "'");
                Future<Api.Reply> purchase = clients.submit(() -> buy(product, "race-second"));
                await().atMost(Duration.ofSeconds(20)).until(() -> purchase.isDone() || waitingForARow() == 1);
                admin.commit();
                bought = purchase.get(30, TimeUnit.SECONDS);
            } finally {
                admin.rollback();
                admin.setAutoCommit(true);
            }
        }

        assertThat(bought.status()).as(bought.toString()).isEqualTo(409);
        assertThat(bought.code()).isEqualTo("INVENTORY_CONFLICT");
        assertThat(totalQuantity(product)).isEqualTo(1);
        assertThat(completedQuantity(product)).isEqualTo(1);
        assertNoUnitBeyondTheStock(product);
    }

    private void assertNoUnitBeyondTheStock(UUID product) {
        assertThat(jdbc.sql("""
                SELECT count(*) FROM order_units u JOIN products p ON p.id = u.product_id
                WHERE u.product_id = ? AND u.unit_no > p.total_quantity""")
                .param(product).query(Long.class).single()).as("I1 units beyond the stock").isZero();
    }

    /** Sessions of this database waiting for a lock of the given kind. */
    private long waiting(String lock) {
        return jdbc.sql("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = ?""")
                .param(lock).query(Long.class).single();
    }

    /** Sessions waiting for a row another transaction has locked (they wait for that transaction). */
    private long waitingForARow() {
        return waiting("transactionid") + waiting("tuple");
    }

    private void deleteRedisState(UUID product) {
        Set<String> keys = redis.keys("fs:{" + product + "}:*");
        assertThat(keys).isNotEmpty();
        redis.delete(keys);
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
