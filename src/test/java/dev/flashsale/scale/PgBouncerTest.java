package dev.flashsale.scale;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.inventory.InventoryTestAccess;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import dev.flashsale.support.PgBouncer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application with every connection of its pool going through PgBouncer in transaction pooling
 * (Debian's package, 1.18), as docs/decisions/0025 sets it up: {@code prepareThreshold=0} in the
 * URL, Flyway migrating over a direct session connection. PgBouncer gets fewer server connections
 * than the application's pool, so transactions of different pool connections take turns on the same
 * server connections: anything that relied on a session (a prepared statement, a session lock, a
 * {@code SET}) would break here. Without {@code pgbouncer} the tests are skipped, and reported as
 * skipped, except where {@code FLASHSALE_POOLER_TESTS=required} (as in .ci/run): there they fail.
 */
// a context of its own (another datasource): closed after the class
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class PgBouncerTest extends IntegrationTest {

    /** Server connections PgBouncer opens; the application's pool has 10 (application-test.yaml). */
    private static final int SERVER_CONNECTIONS = 4;

    private static PgBouncer pooler;
    /** Why the tests cannot run on this machine (no pgbouncer), or null. */
    private static String missing;

    @Autowired
    Inventory inventory;

    @Autowired
    Catalog catalog;

    @Autowired
    DataSource dataSource;

    @BeforeAll
    static void startPooler() {
        missing = PgBouncer.missing();
        if (missing != null) {
            return;
        }
        pooler = PgBouncer.start(PgBouncer.Upstream.configured(), SERVER_CONNECTIONS);
        // stopped when the test JVM ends, after the context (closed after the class) closed its pool
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(pooler::close));
    }

    @DynamicPropertySource
    static void throughThePooler(DynamicPropertyRegistry registry) {
        if (pooler == null) {
            return; // each test is skipped (below)
        }
        registry.add("spring.datasource.url", () -> pooler.url());
        registry.add("spring.datasource.username", () -> pooler.upstream().user());
        registry.add("spring.flyway.url", () -> pooler.upstream().directUrl());
        registry.add("spring.flyway.user", () -> pooler.upstream().user());
    }

    @BeforeEach
    void skipWithoutPgBouncer() {
        Assumptions.assumeTrue(missing == null, missing);
    }

    @Test
    void aRaceThroughPgBouncerSellsExactlyTheStockAndTheOutboxCountsEverySale() throws Exception {
        UUID product = liveProduct(40, 1);

        Map<String, AtomicInteger> outcomes = race(product, 300, i -> "pooled-" + i);

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(40);
        assertThat(count(outcomes, "409 SOLD_OUT")).as(outcomes.toString()).isEqualTo(260);
        // I1, I2, the outbox's sold counter (I5) and the audit, all read through PgBouncer
        assertInvariantsHold(product);
        // the truth, read behind PgBouncer's back
        assertThat(pooler.upstream().direct().sql("SELECT sold_quantity FROM products WHERE id = ?").param(product)
                .query(Integer.class).single()).isEqualTo(40);
        assertThat(pooler.upstream().direct().sql("""
                SELECT count(*) FROM event_publication
                WHERE completion_date IS NULL AND serialized_event LIKE '%' || ? || '%'""").param(product.toString())
                .query(Long.class).single()).as("outbox deliveries left undone").isZero();

        // the pool's connections go through PgBouncer: more of them held at once than it has server
        // connections, and every statement ran on one of those
        Set<Integer> serverProcesses = ConcurrentHashMap.newKeySet();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 10; i++) {
                clients.submit(() -> serverProcesses.add(
                        jdbc.sql("SELECT pg_backend_pid() FROM pg_sleep(0.3)").query(Integer.class).single()));
            }
        }
        assertThat(dataSource.unwrap(HikariDataSource.class).getHikariPoolMXBean().getTotalConnections()).isGreaterThan(SERVER_CONNECTIONS);
        assertThat(serverProcesses).hasSizeBetween(1, SERVER_CONNECTIONS);
    }

    @Test
    void theReconcilersClusterLockWorksThroughPgBouncerAndItsPassSettlesAStrandedReservation() {
        Instant now = Instant.now();
        Product product = catalog.load(product(5, 1, now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1))))
                .orElseThrow();
        InventoryTestAccess.reserveAt(inventory, product, "stranded", 1, now.minus(Duration.ofMinutes(5)));
        assertThat(redisStock(product.id())).isEqualTo(4);

        // held by another instance: the pass does not run
        jdbc.sql("""
                INSERT INTO shedlock (name, lock_until, locked_at, locked_by) VALUES ('reconciler', now() + interval '1 minute', now(), 'elsewhere')
                ON CONFLICT (name) DO UPDATE SET lock_until = excluded.lock_until, locked_by = excluded.locked_by""").update();
        try {
            Api.Reply held = api.post("/api/v1/admin/reconciler/run", "", Api.admin());
            assertThat(held.data().path("ran").asBoolean()).as(held.toString()).isFalse();
            assertThat(redisPending(product.id())).isEqualTo(1);
        } finally {
            jdbc.sql("UPDATE shedlock SET lock_until = now() - interval '1 second' WHERE name = 'reconciler'").update();
        }

        // free: it runs, takes the lock through PgBouncer, and releases the reservation nobody wrote an order for
        Timestamp before = pooler.upstream().direct().sql("SELECT now()").query(Timestamp.class).single();
        Api.Reply ran = api.post("/api/v1/admin/reconciler/run", "", Api.admin());
        assertThat(ran.data().path("ran").asBoolean()).as(ran.toString()).isTrue();
        assertThat(redisPending(product.id())).isZero();
        assertThat(redisStock(product.id())).isEqualTo(5);
        assertThat(pooler.upstream().direct().sql("SELECT locked_at >= ? AND lock_until <= now() FROM shedlock WHERE name = 'reconciler'")
                .param(before).query(Boolean.class).single()).as("taken and given back").isTrue();
        assertThat(buy(product.id(), "stranded").status()).as("the user may try again").isEqualTo(201);
        assertInvariantsHold(product.id());
    }

    @Test
    void theOutboxRetryJobTakesItsClusterLockThroughPgBouncerOnSchedule() {
        Timestamp before = pooler.upstream().direct().sql("SELECT now()").query(Timestamp.class).single();
        // every retry-interval (300 ms in the tests) the job takes and gives back its lock
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(pooler.upstream().direct().sql("SELECT count(*) FROM shedlock WHERE name = 'outbox-retry' AND locked_at > ?")
                        .param(before).query(Long.class).single()).isEqualTo(1));
    }
}
