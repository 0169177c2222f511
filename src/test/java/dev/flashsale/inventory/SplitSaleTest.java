package dev.flashsale.inventory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.SaleShards.SaleShard;
import dev.flashsale.inventory.internal.SaleKeys;
import dev.flashsale.reconciliation.Reconciler;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sale split into shards (decision 0030): exact stock and per-user limit across shards, loans
 * when a buyer's home shard is empty, and the reconciler settling what a dead instance left.
 */
class SplitSaleTest extends IntegrationTest {

    @Autowired
    Inventory inventory;

    @Autowired
    Catalog catalog;

    @Autowired
    Reconciler reconciler;

    UUID splitProduct(int total, int shards) {
        return product(total, 1, Instant.now().minus(Duration.ofMinutes(10)), Instant.now().plus(Duration.ofHours(1)),
                Map.of("shards", shards));
    }

    /** Users whose home is the given shard of a sale split {@code shards} ways. */
    static List<String> usersHomedAt(int shard, int shards, int count, String prefix) {
        List<String> users = new ArrayList<>();
        for (int i = 0; users.size() < count; i++) {
            if (SaleShards.home(prefix + i, shards) == shard) {
                users.add(prefix + i);
            }
        }
        return users;
    }

    int shardStock(UUID product, int index, int shards) {
        Product p = catalog.load(product).orElseThrow();
        String stock = redis.opsForValue().get(SaleKeys.of(SaleShards.of(p).shard(index)).stock());
        return stock == null ? -1 : Integer.parseInt(stock);
    }

    @Test
    void aSaleInThreeShardsSellsExactlyItsStockToARaceOfUsers() {
        UUID product = splitProduct(90, 3);
        assertThat(shardStock(product, 0, 3) + shardStock(product, 1, 3) + shardStock(product, 2, 3)).isEqualTo(90);

        Map<String, AtomicInteger> outcomes = race(product, 400, i -> "racer-" + i);

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(90);
        assertThat(count(outcomes, "409 SOLD_OUT")).as(outcomes.toString()).isEqualTo(310);
        assertThat(completedOrders(product)).isEqualTo(90);
        assertThat(distinctBuyers(product)).isEqualTo(90);
        assertThat(jdbc.sql("SELECT count(DISTINCT unit_no) FROM order_units WHERE product_id = ?")
                .param(product).query(Long.class).single()).isEqualTo(90);
        assertInvariantsHold(product);
        assertThat(status(product).path("availableQuantity").asInt()).isZero();
    }

    @Test
    void buyersWhoseHomeShardIsEmptyBorrowTheLastUnitsFromTheOthers() {
        UUID product = splitProduct(6, 3); // two units per shard
        List<String> homedAtZero = usersHomedAt(0, 3, 7, "home0-");

        List<Integer> statuses = new ArrayList<>();
        for (String user : homedAtZero) {
            statuses.add(buy(product, user).status());
        }

        // all six units sell to users of one home shard; the seventh hears "sold out"
        assertThat(statuses).containsExactly(201, 201, 201, 201, 201, 201, 409);
        assertThat(shardStock(product, 0, 3)).isZero();
        assertThat(shardStock(product, 1, 3)).isZero();
        assertThat(shardStock(product, 2, 3)).isZero();
        assertThat(jdbc.sql("SELECT unit_no FROM order_units WHERE product_id = ? ORDER BY unit_no")
                .param(product).query(Integer.class).list()).containsExactly(1, 2, 3, 4, 5, 6);
        // the buyers' places are on their home shard, none on the shards that lent the units
        Product p = catalog.load(product).orElseThrow();
        assertThat(redis.opsForSet().size(SaleKeys.of(SaleShards.of(p).shard(0)).buyers())).isEqualTo(6);
        assertThat(redis.opsForSet().size(SaleKeys.of(SaleShards.of(p).shard(1)).buyers())).isZero();
        assertThat(redis.opsForSet().size(SaleKeys.of(SaleShards.of(p).shard(2)).buyers())).isZero();
        // and a buyer who borrowed is still one buyer
        assertThat(buy(product, homedAtZero.get(5)).code()).isEqualTo("ALREADY_PURCHASED");
        assertInvariantsHold(product);
    }

    @Test
    void theLastUnitsSellToARaceOfBuyersWhoseHomeShardsAreEmpty() {
        UUID product = splitProduct(30, 3); // ten units per shard
        List<String> homedAtZero = usersHomedAt(0, 3, 23, "empty0-");
        List<String> homedAtOne = usersHomedAt(1, 3, 22, "empty1-");

        // the first twenty buyers empty their home shards, 0 and 1, from their own stock
        for (int i = 0; i < 10; i++) {
            assertThat(buy(product, homedAtZero.get(i)).status()).isEqualTo(201);
            assertThat(buy(product, homedAtOne.get(i)).status()).isEqualTo(201);
        }
        assertThat(shardStock(product, 0, 3)).isZero();
        assertThat(shardStock(product, 1, 3)).isZero();
        assertThat(shardStock(product, 2, 3)).isEqualTo(10);

        // the next ones, all at home on an empty shard, race for the ten units only shard 2 can lend
        List<String> borrowers = new ArrayList<>(homedAtZero.subList(10, 23));
        borrowers.addAll(homedAtOne.subList(10, 22));
        Map<String, AtomicInteger> outcomes = race(product, borrowers.size(), borrowers::get);

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(10);
        assertThat(outcomes).as(outcomes.toString()).containsOnlyKeys("201", "409 SOLD_OUT");
        assertThat(shardStock(product, 2, 3)).isZero();
        assertThat(jdbc.sql("SELECT unit_no FROM order_units WHERE product_id = ? ORDER BY unit_no")
                .param(product).query(Integer.class).list())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 30).boxed().toList());
        assertThat(jdbc.sql("""
                SELECT count(*) FROM order_units u JOIN orders o ON o.id = u.order_id
                WHERE u.product_id = ? AND u.unit_no > 20 AND o.user_id = ANY (?::text[])""")
                .params(product, borrowers.toArray(String[]::new)).query(Long.class).single())
                .as("the borrowers hold shard 2's units").isEqualTo(10);
        // the borrowers' places are on their home shards; shard 2, which lent, has no buyer
        Product p = catalog.load(product).orElseThrow();
        assertThat(redis.opsForSet().size(SaleKeys.of(SaleShards.of(p).shard(0)).buyers())
                + redis.opsForSet().size(SaleKeys.of(SaleShards.of(p).shard(1)).buyers())).isEqualTo(30);
        assertThat(redis.opsForSet().size(SaleKeys.of(SaleShards.of(p).shard(2)).buyers())).isZero();
        // and the sale is sold out for everyone, shard 2's own users too
        assertThat(buy(product, usersHomedAt(2, 3, 1, "late2-").getFirst()).code()).isEqualTo("SOLD_OUT");
        assertThat(buy(product, usersHomedAt(0, 3, 1, "late0-").getFirst()).code()).isEqualTo("SOLD_OUT");
        assertThat(completedOrders(product)).isEqualTo(30);
        assertInvariantsHold(product);
    }

    @Test
    void aUserFiringConcurrentAttemptsAtASplitSaleGetsOneOrder() {
        UUID product = splitProduct(3, 3);
        String user = usersHomedAt(0, 3, 1, "eager-").getFirst();
        // empty the user's home shard, so every attempt claims a place and borrows
        buy(product, usersHomedAt(0, 3, 2, "first-").getFirst());

        Map<String, AtomicInteger> outcomes = race(product, 40, i -> user);

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(1);
        assertThat(completedOrders(product)).isEqualTo(2);
        assertInvariantsHold(product);
    }

    @Test
    void theReconcilerSettlesTheClaimAndTheLoanOfAnInstanceThatDiedBeforeItsOrderCommitted() {
        UUID id = splitProduct(2, 2); // one unit per shard
        Product product = catalog.load(id).orElseThrow();
        List<String> homedAtZero = usersHomedAt(0, 2, 2, "dead-");
        assertThat(buy(id, homedAtZero.get(0)).status()).isEqualTo(201);

        // the second buyer's home is empty: a place claimed there and a unit lent by shard 1,
        // five minutes ago, by a process that died before writing its order
        Reservation r = InventoryTestAccess.reserveAt(inventory, product, homedAtZero.get(1), 1,
                Instant.now().minus(Duration.ofMinutes(5)));
        assertThat(r.loan()).isNotNull();
        assertThat(r.loan().shard().index()).isEqualTo(1);
        assertThat(shardStock(id, 1, 2)).isZero();

        reconciler.reconcile(product);

        assertThat(shardStock(id, 1, 2)).isEqualTo(1);
        SaleShard home = SaleShards.of(product).shard(0);
        assertThat(redis.opsForHash().size(SaleKeys.of(home).pending())).isZero();
        assertThat(redis.opsForSet().isMember(SaleKeys.of(home).buyers(), homedAtZero.get(1))).isFalse();
        assertThat(redis.opsForHash().size(SaleKeys.of(SaleShards.of(product).shard(1)).pending())).isZero();
        // the unit sells again, and to that user too
        assertThat(buy(id, homedAtZero.get(1)).status()).isEqualTo(201);
        assertInvariantsHold(id);
    }

    @Test
    void aLoanWhoseOrderCommittedStaysSoldWhenTheReconcilerFindsIt() {
        UUID id = splitProduct(2, 2);
        Product product = catalog.load(id).orElseThrow();
        List<String> homedAtZero = usersHomedAt(0, 2, 2, "late-");
        assertThat(buy(id, homedAtZero.get(0)).status()).isEqualTo(201);
        assertThat(buy(id, homedAtZero.get(1)).status()).isEqualTo(201); // borrowed from shard 1

        // as if the instance died after the commit, before settling: the loan's mark is back, stale
        SaleKeys lender = SaleKeys.of(SaleShards.of(product).shard(1));
        int unit = jdbc.sql("SELECT max(unit_no) FROM order_units WHERE product_id = ?").param(id)
                .query(Integer.class).single();
        long fiveMinutesAgo = Instant.now().minus(Duration.ofMinutes(5)).toEpochMilli();
        redis.opsForHash().put(lender.pending(), homedAtZero.get(1), fiveMinutesAgo + ":1:" + unit + ":99");

        reconciler.reconcile(product);

        assertThat(redis.opsForHash().size(lender.pending())).isZero();
        assertThat(shardStock(id, 1, 2)).isZero();
        assertThat(redis.opsForSet().size(lender.buyers())).isZero();
        assertInvariantsHold(id);
    }

    @Test
    void aShardWhoseStateIsLostIsInstalledAgainFromTheOrders() {
        UUID id = splitProduct(4, 2);
        Product product = catalog.load(id).orElseThrow();
        List<String> homedAtOne = usersHomedAt(1, 2, 3, "lost-");
        for (String user : homedAtOne) {
            assertThat(buy(id, user).status()).isEqualTo(201); // two from shard 1, one lent by shard 0
        }
        SaleKeys one = SaleKeys.of(SaleShards.of(product).shard(1));
        redis.delete(List.of(one.sale(), one.stock(), one.buyers(), one.pending(), one.free(), one.holds()));

        // the reconciler's pass (as the first purchase that reaches the shard) installs it again from the orders
        reconciler.reconcile(product);

        assertThat(buy(id, homedAtOne.get(2)).code()).isEqualTo("ALREADY_PURCHASED");
        assertThat(shardStock(id, 1, 2)).isZero();
        assertThat(shardStock(id, 0, 2)).isEqualTo(1);
        assertThat(redis.opsForSet().size(one.buyers())).isEqualTo(3);
        assertInvariantsHold(id);
    }

    @Test
    void aSplitSaleTakesNoBotControlsAndChangesItsStockOnlyBeforeAnythingIsTaken() {
        Api.Reply refused = api.post("/api/v1/admin/products", """
                {"name":"split","price":1,"totalQuantity":10,"shards":2,"perAddressLimit":2}""", Api.admin());
        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);

        UUID id = splitProduct(10, 2);
        Api.Reply raised = api.patch("/api/v1/admin/products/" + id, "{\"totalQuantity\":20}", Api.admin());
        assertThat(raised.status()).as(raised.toString()).isEqualTo(200);
        assertThat(shardStock(id, 0, 2) + shardStock(id, 1, 2)).isEqualTo(20);
        assertThat(shardStock(id, 0, 2)).isEqualTo(10);

        assertThat(buy(id, "first-buyer").status()).isEqualTo(201);
        Api.Reply lowered = api.patch("/api/v1/admin/products/" + id, "{\"totalQuantity\":15}", Api.admin());
        assertThat(lowered.status()).as(lowered.toString()).isEqualTo(409);
        assertThat(totalQuantity(id)).isEqualTo(20);
        assertInvariantsHold(id);
    }
}
