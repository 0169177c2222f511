package dev.flashsale.ordering;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Group commit against the real PostgreSQL: orders that queue up while the writers are busy are
 * committed together, each buyer still gets 201 only once its order is in PostgreSQL, and an order
 * PostgreSQL refuses fails alone, not the orders that shared its transaction.
 *
 * <p>To make the batches certain rather than likely, the test first occupies every writer with an
 * order that a trigger holds for two seconds ("slow-" users); the crowd arrives meanwhile and
 * queues.
 */
class GroupCommitTest extends IntegrationTest {

    private static final int CROWD = 40;

    @Autowired
    private MeterRegistry meters;

    @Autowired
    private OrderingProperties properties;

    @BeforeEach
    void slowAndRefusingUsers() {
        jdbc.sql("""
                CREATE OR REPLACE FUNCTION test_group_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.user_id LIKE 'slow-%' THEN
                        PERFORM pg_sleep(2);
                    END IF;
                    IF NEW.user_id LIKE 'refused-%' THEN
                        RAISE EXCEPTION 'test: order refused' USING ERRCODE = 'check_violation',
                            CONSTRAINT = 'orders_within_user_limit';
                    END IF;
                    RETURN NEW;
                END $$""").update();
        jdbc.sql("CREATE TRIGGER test_group_commit BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION test_group_commit()")
                .update();
    }

    @AfterEach
    void dropTrigger() {
        jdbc.sql("DROP TRIGGER IF EXISTS test_group_commit ON orders").update();
    }

    @Test
    void aCrowdThatQueuesUpIsCommittedInSharedTransactions() {
        UUID product = liveProduct(100, 1);
        DistributionSummary batches = meters.get("flashsale.orders.batch").summary();
        long transactionsBefore = batches.count();
        double ordersBefore = batches.totalAmount();

        CompletableFuture<Void> blockers = occupyEveryWriter(product);
        Map<String, AtomicInteger> outcomes = race(product, CROWD, i -> "crowd-" + i);
        blockers.join();

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(CROWD);
        assertThat(completedOrders(product)).isEqualTo(CROWD + properties.writers());
        // the writer drops a batch's pending marks before its buyers hear 201, not later
        assertThat(redisPending(product)).as("pending marks once every buyer has 201").isZero();
        assertThat(redisBuyers(product)).isEqualTo(CROWD + properties.writers());
        long transactions = batches.count() - transactionsBefore;
        double orders = batches.totalAmount() - ordersBefore;
        assertThat(orders).isEqualTo(CROWD + properties.writers());
        // each blocker took a transaction of its own; the crowd, queued behind them, shared fewer
        assertThat(transactions).as("transactions for %s orders", orders).isLessThan(CROWD / 2);
        // one outbox row per transaction, naming all of its orders, not one per order
        long publications = jdbc.sql("SELECT count(*) FROM event_publication WHERE event_type = ? AND serialized_event LIKE ?")
                .params(OrdersPlaced.class.getName(), "%" + product + "%").query(Long.class).single();
        assertThat(publications).isBetween(1L, transactions);
        assertInvariantsHold(product);
    }

    @Test
    void anOrderRefusedInsideABatchFailsAloneAndTheOthersCommit() {
        UUID product = liveProduct(100, 1);

        CompletableFuture<Void> blockers = occupyEveryWriter(product);
        Map<String, AtomicInteger> outcomes = race(product, CROWD, i -> i == CROWD / 2 ? "refused-1" : "crowd-" + i);
        blockers.join();

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(CROWD - 1);
        assertThat(count(outcomes, "400 QUANTITY_ABOVE_LIMIT")).as(outcomes.toString()).isEqualTo(1);
        assertThat(completedOrders(product)).isEqualTo(CROWD - 1 + properties.writers());
        assertThat(redisBuyer(product, "refused-1")).as("the refused buyer is released").isFalse();
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE product_id = ? AND user_id = 'refused-1'").param(product)
                .query(Long.class).single()).isZero();
        dropTrigger();
        assertInvariantsHold(product);
    }

    /** One slow order per writer, each sure to be in a writer's transaction before the next is sent. */
    private CompletableFuture<Void> occupyEveryWriter(UUID product) {
        CompletableFuture<?>[] slow = new CompletableFuture<?>[properties.writers()];
        for (int i = 0; i < slow.length; i++) {
            String user = "slow-" + UUID.randomUUID();
            slow[i] = CompletableFuture.runAsync(() -> {
                Api.Reply reply = buy(product, user);
                assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
            });
            int busy = i + 1;
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> orderInsertsInProgress() >= busy);
        }
        return CompletableFuture.allOf(slow);
    }
}
