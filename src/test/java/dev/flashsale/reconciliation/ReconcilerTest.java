package dev.flashsale.reconciliation;

import java.sql.Connection;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.inventory.InventoryTestAccess;
import dev.flashsale.inventory.Reservation;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ReconcilerTest extends IntegrationTest {

    @Autowired
    Inventory inventory;

    @Autowired
    Catalog catalog;

    @Autowired
    Reconciler reconciler;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    @Autowired
    DataSource dataSource;

    @Test
    void aReservationLeftByAProcessThatDiedBeforeWritingTheOrderIsReleased() {
        Product product = productOpenSinceAnHour(5);
        InventoryTestAccess.reserveAt(inventory, product, "ghost", 1, Instant.now().minus(Duration.ofMinutes(5)));
        assertThat(audit(product.id()).path("invariants").path("I4").path("holds").asBoolean()).isFalse();

        ReconcileReport.Repair repair = reconciler.reconcile(product);

        assertThat(repair.released()).isEqualTo(1);
        assertThat(repair.confirmed()).isZero();
        assertThat(redisStock(product.id())).isEqualTo(5);
        assertThat(redisBuyer(product.id(), "ghost")).isFalse();
        assertThat(buy(product.id(), "ghost").status()).as("the user may try again").isEqualTo(201);
        assertInvariantsHold(product.id());
    }

    @Test
    void aReservationWhoseOrderCommittedBeforeTheProcessDiedIsConfirmed() {
        Product product = productOpenSinceAnHour(5);
        Instant fiveMinutesAgo = Instant.now().minus(Duration.ofMinutes(5));
        Reservation r = InventoryTestAccess.reserveAt(inventory, product, "survivor", 1, fiveMinutesAgo);
        // the order committed, then the process died: no confirm, and no event delivered
        UUID order = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO orders (id, user_id, product_id, quantity, unit_price, status, created_at, updated_at)
                VALUES (?, 'survivor', ?, 1, 19.99, 'completed', ?, ?)""")
                .params(order, product.id(), Timestamp.from(fiveMinutesAgo), Timestamp.from(fiveMinutesAgo)).update();
        jdbc.sql("INSERT INTO order_units (product_id, unit_no, order_id) VALUES (?, ?, ?)")
                .params(product.id(), r.units().getFirst(), order).update();

        ReconcileReport.Repair repair = reconciler.reconcile(product);

        assertThat(repair.confirmed()).isEqualTo(1);
        assertThat(repair.released()).isZero();
        assertThat(repair.soldCounted()).as("the order whose event never came is counted").isEqualTo(1);
        assertThat(redisStock(product.id())).isEqualTo(4);
        assertThat(redisBuyer(product.id(), "survivor")).isTrue();
        assertThat(buy(product.id(), "survivor").code()).isEqualTo("ALREADY_PURCHASED");
        assertInvariantsHold(product.id());
    }

    @Test
    void aFreshReservationIsLeftAlone() {
        Product product = productOpenSinceAnHour(5);
        InventoryTestAccess.reserveAt(inventory, product, "paying", 1, Instant.now());

        ReconcileReport.Repair repair = reconciler.reconcile(product);

        assertThat(repair.released()).isZero();
        assertThat(redisPending(product.id())).isEqualTo(1);
        assertThat(redisStock(product.id())).isEqualTo(4);
    }

    @Test
    void aSoldCounterThatDriftedFromItsLedgerIsCorrected() {
        UUID id = liveProduct(10, 1);
        for (int i = 0; i < 3; i++) {
            assertThat(buy(id, "counted-" + i).status()).isEqualTo(201);
        }
        await().until(() -> soldQuantity(id) == 3);
        jdbc.sql("UPDATE products SET sold_quantity = 0 WHERE id = ?").param(id).update();

        reconciler.reconcile(catalog.load(id).orElseThrow());

        assertThat(soldQuantity(id)).isEqualTo(3);
        assertInvariantsHold(id);
    }

    @Test
    void redisThatLostBuyersAndUnitsIsRepairedWhileTheSaleGoesOn() {
        UUID id = liveProduct(10, 1);
        for (int i = 0; i < 4; i++) {
            assertThat(buy(id, "kept-" + i).status()).isEqualTo(201);
        }
        // Redis forgets two buyers and believes units 1 and 2 are free again
        redis.opsForSet().remove("fs:{" + id + "}:buyers", "kept-0", "kept-1");
        redis.opsForZSet().add("fs:{" + id + "}:free", "1", 1);
        redis.opsForZSet().add("fs:{" + id + "}:free", "2", 2);
        redis.opsForValue().set("fs:{" + id + "}:stock", "8");
        assertThat(audit(id).path("invariants").path("redis").path("holds").asBoolean()).isFalse();

        ReconcileReport.Repair repair = reconciler.reconcile(catalog.load(id).orElseThrow());

        assertThat(repair.buyersRestored()).isEqualTo(2);
        assertThat(repair.unitsReclaimed()).isEqualTo(2);
        assertThat(repair.stockAfter()).isEqualTo(6);
        assertThat(buy(id, "kept-0").code()).isEqualTo("ALREADY_PURCHASED");
        assertThat(buy(id, "new-0").status()).as("no conflict: unit 5 is handed out, not 1").isEqualTo(201);
        assertInvariantsHold(id);
    }

    /**
     * A scheduled pass compares a product order by order only when due or when the quick check
     * (counts and unit bounds, PostgreSQL read before Redis) shows something to repair; each kind
     * of loss the full comparison repairs is one the quick check notices.
     */
    @Test
    void aScheduledPassComparesOrderByOrderOnlyWhenTheQuickCheckDisagrees() {
        UUID id = liveProduct(10, 1);
        for (int i = 0; i < 4; i++) {
            assertThat(buy(id, "quick-" + i).status()).isEqualTo(201);
        }
        long passes = meters.timer("flashsale.reconciler.pass", "full", "false").count();
        assertThat(reconciler.pass(false).ran()).isTrue();
        Instant first = reconciler.lastFullCheck(id);
        assertThat(first).as("first seen: counted from now, dated back by up to half the period").isNotNull()
                .isAfter(Instant.now().minus(Duration.ofMinutes(3)));
        assertThat(meters.timer("flashsale.reconciler.pass", "full", "false").count()).isEqualTo(passes + 1);

        assertThat(reconciler.pass(false).ran()).isTrue();
        assertThat(reconciler.lastFullCheck(id)).as("consistent: the quick check is enough").isEqualTo(first);

        redis.opsForSet().remove("fs:{" + id + "}:buyers", "quick-0");
        assertThat(repairOf(id, reconciler.pass(false)).buyersRestored()).as("fewer buyers than orders").isEqualTo(1);
        Instant second = reconciler.lastFullCheck(id);
        assertThat(second).isAfter(first);

        redis.opsForHash().put("fs:{" + id + "}:sale", "issued", "2");
        redis.opsForValue().set("fs:{" + id + "}:stock", "8");
        ReconcileReport.Repair raised = repairOf(id, reconciler.pass(false));
        assertThat(raised.fullCheck()).as("a unit sold above the issued mark").isTrue();
        assertThat(raised.stockAfter()).isEqualTo(6);
        Instant third = reconciler.lastFullCheck(id);
        assertThat(third).isAfter(second);

        redis.opsForZSet().add("fs:{" + id + "}:free", "3", 3);
        redis.opsForValue().set("fs:{" + id + "}:stock", "7");
        assertThat(repairOf(id, reconciler.pass(false)).unitsReclaimed()).as("a sold unit among the free ones").isEqualTo(1);
        assertThat(reconciler.lastFullCheck(id)).isAfter(third);

        assertThat(buy(id, "quick-0").code()).isEqualTo("ALREADY_PURCHASED");
        assertThat(buy(id, "quick-new").status()).as("unit 5 is handed out, not 3").isEqualTo(201);
        assertInvariantsHold(id);
    }

    /** A quiet sale whose Redis disagrees with PostgreSQL about the stock is rebuilt from it. */
    @Test
    void aQuietSaleWhoseRedisStockDisagreesIsRebuilt() {
        UUID id = liveProduct(10, 1);
        for (int i = 0; i < 2; i++) {
            assertThat(buy(id, "quiet-" + i).status()).isEqualTo(201);
        }
        // a Redis that believes the stock is 20 units, consistently with itself
        redis.opsForHash().put("fs:{" + id + "}:sale", "total", "20");
        redis.opsForValue().set("fs:{" + id + "}:stock", "18");

        ReconcileReport.Repair repair = reconciler.reconcile(catalog.load(id).orElseThrow());

        assertThat(repair.rebuilt()).isTrue();
        assertThat(redisStock(id)).isEqualTo(8);
        assertInvariantsHold(id);
    }

    /**
     * A stock change moves Redis before it commits in PostgreSQL. A comparison in between finds a
     * quiet sale whose Redis is ahead of the committed total; rebuilding it from that total would
     * undo the change once committed, and the raised stock would be refused as sold out.
     */
    @Test
    void aStockRaisedWhileAPassComparesTheSaleIsNotUndoneByARebuild() throws Exception {
        UUID id = liveProduct(3, 1);
        for (int i = 0; i < 3; i++) {
            assertThat(buy(id, "before-raise-" + i).status()).isEqualTo(201);
        }
        // the sold counter is done with the row: the only sessions to wait for it below are the test's
        await().until(() -> soldQuantity(id) == 3);
        Product compared = catalog.load(id).orElseThrow();

        try (Connection auditHeld = dataSource.getConnection()) {
            // the change stops at its audit record: Redis already moved, PostgreSQL not committed
            auditHeld.setAutoCommit(false);
            try (Statement lock = auditHeld.createStatement()) {
                lock.execute("LOCK TABLE admin_audit_log IN SHARE MODE");
            }
            CompletableFuture<Api.Reply> raise = CompletableFuture.supplyAsync(
                    () -> api.patch("/api/v1/admin/products/" + id, "{\"totalQuantity\":6}", Api.admin()));
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnALock("%admin_audit_log%") == 1);
            assertThat(redisStock(id)).as("Redis moved before the commit").isEqualTo(3);

            CompletableFuture<ReconcileReport.Repair> pass = CompletableFuture.supplyAsync(
                    () -> reconciler.reconcile(compared));
            // the pass runs until it ends or waits for the change to commit
            await().atMost(Duration.ofSeconds(10)).until(() -> pass.isDone() || waitingOnALock("%") == 2);
            auditHeld.rollback();

            assertThat(raise.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(pass.get(10, TimeUnit.SECONDS).rebuilt()).as("the pass compared a total since changed").isFalse();
        }
        assertThat(redisStock(id)).isEqualTo(3);
        assertThat(redis.opsForHash().get("fs:{" + id + "}:sale", "total")).isEqualTo("6");
        assertThat(buy(id, "after-raise").status()).as("a raised unit is sold").isEqualTo(201);
        assertInvariantsHold(id);
    }

    /** The sessions that wait for a lock while running a statement like {@code pattern}. */
    private long waitingOnALock(String pattern) {
        return jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ?")
                .param(pattern).query(Long.class).single();
    }

    private static ReconcileReport.Repair repairOf(UUID id, ReconcileReport report) {
        assertThat(report.ran()).isTrue();
        return report.repairs().stream().filter(r -> r.productId().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no repair of " + id + " in " + report));
    }

    @Test
    void aPassRunsOnOneInstanceAtATime() {
        jdbc.sql("""
                INSERT INTO shedlock (name, lock_until, locked_at, locked_by) VALUES ('reconciler', now() + interval '1 minute', now(), 'elsewhere')
                ON CONFLICT (name) DO UPDATE SET lock_until = excluded.lock_until, locked_by = excluded.locked_by""").update();
        try {
            Api.Reply held = api.post("/api/v1/admin/reconciler/run", "", Api.admin());
            assertThat(held.data().path("ran").asBoolean()).isFalse();
        } finally {
            jdbc.sql("UPDATE shedlock SET lock_until = now() - interval '1 second' WHERE name = 'reconciler'").update();
        }
        Api.Reply ran = api.post("/api/v1/admin/reconciler/run", "", Api.admin());
        assertThat(ran.data().path("ran").asBoolean()).isTrue();
        assertThat(ran.data().path("products").asInt()).isPositive();
        assertThat(api.get("/api/v1/admin/reconciler", Api.admin()).data().path("ran").asBoolean()).isTrue();
    }

    private Product productOpenSinceAnHour(int total) {
        Instant now = Instant.now();
        return catalog.load(product(total, 1, now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1)))).orElseThrow();
    }
}
