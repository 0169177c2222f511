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
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

    @Autowired
    MeterRegistry meters;

    private double loans(String outcome) {
        return meters.get("flashsale.inventory.loans").tag("outcome", outcome).counter().count();
    }

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

    int shardStock(UUID product, int index) {
        Product p = catalog.load(product).orElseThrow();
        String stock = redis.opsForValue().get(SaleKeys.of(SaleShards.of(p).shard(index)).stock());
        return stock == null ? -1 : Integer.parseInt(stock);
    }

    @Test
    void reservationsOnSeveralShardsConfirmedTogetherAreSettledEachOnItsOwnShard() {
        UUID id = splitProduct(30, 3);
        Product p = catalog.load(id).orElseThrow();
        List<Reservation> reservations = new ArrayList<>();
        for (int shard = 0; shard < 3; shard++) {
            for (String user : usersHomedAt(shard, 3, 2, "together-")) {
                ReserveResult reserved = inventory.reserve(p, user, 1);
                assertThat(reserved.outcome()).isEqualTo(ReserveOutcome.RESERVED);
                reservations.add(((ReserveResult.Reserved) reserved).reservation());
            }
        }
        assertThat(redisPending(id)).isEqualTo(6);

        inventory.confirm(reservations);

        assertThat(redisPending(id)).isZero();
        for (int shard = 0; shard < 3; shard++) {
            assertThat(redis.opsForSet().members(SaleKeys.of(SaleShards.of(p).shard(shard)).buyers()))
                    .as("shard %s's buyers", shard)
                    .containsExactlyInAnyOrderElementsOf(usersHomedAt(shard, 3, 2, "together-"));
        }
        assertThat(shardStock(id, 0) + shardStock(id, 1) + shardStock(id, 2)).isEqualTo(24);
    }

    @Test
    void aSaleInThreeShardsSellsExactlyItsStockToARaceOfUsers() {
        UUID product = splitProduct(90, 3);
        assertThat(shardStock(product, 0) + shardStock(product, 1) + shardStock(product, 2)).isEqualTo(90);

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
        double lentBefore = loans("lent");
        double noneBefore = loans("none");

        List<Integer> statuses = new ArrayList<>();
        for (String user : homedAtZero) {
            statuses.add(buy(product, user).status());
        }

        // all six units sell to users of one home shard; the seventh hears "sold out"
        assertThat(statuses).containsExactly(201, 201, 201, 201, 201, 201, 409);
        assertThat(loans("lent") - lentBefore).as("units lent by the other shards").isEqualTo(4);
        assertThat(loans("none") - noneBefore).as("purchases no shard could lend to").isEqualTo(1);
        assertThat(shardStock(product, 0)).isZero();
        assertThat(shardStock(product, 1)).isZero();
        assertThat(shardStock(product, 2)).isZero();
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
        assertThat(shardStock(product, 0)).isZero();
        assertThat(shardStock(product, 1)).isZero();
        assertThat(shardStock(product, 2)).isEqualTo(10);

        // the next ones, all at home on an empty shard, race for the ten units only shard 2 can lend
        List<String> borrowers = new ArrayList<>(homedAtZero.subList(10, 23));
        borrowers.addAll(homedAtOne.subList(10, 22));
        Map<String, AtomicInteger> outcomes = race(product, borrowers.size(), borrowers::get);

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(10);
        assertThat(outcomes).as(outcomes.toString()).containsOnlyKeys("201", "409 SOLD_OUT");
        assertThat(shardStock(product, 2)).isZero();
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
        assertThat(shardStock(id, 1)).isZero();

        reconciler.reconcile(product);

        assertThat(shardStock(id, 1)).isEqualTo(1);
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
        assertThat(shardStock(id, 1)).isZero();
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
        assertThat(shardStock(id, 1)).isZero();
        assertThat(shardStock(id, 0)).isEqualTo(1);
        assertThat(redis.opsForSet().size(one.buyers())).isEqualTo(3);
        assertInvariantsHold(id);
    }

    @Test
    void heldUnitsLentByAnotherShardGoBackToItWhenTheOrderIsCancelledOrExpires() {
        Instant now = Instant.now();
        UUID id = product(2, 1, now.minus(Duration.ofMinutes(10)), now.plus(Duration.ofHours(1)),
                Map.of("shards", 2, "holdFor", "PT3S"));
        Product product = catalog.load(id).orElseThrow();
        SaleKeys home = SaleKeys.of(SaleShards.of(product).shard(0));
        SaleKeys lender = SaleKeys.of(SaleShards.of(product).shard(1));
        List<String> homedAtZero = usersHomedAt(0, 2, 2, "held-");
        Api.Reply first = buy(id, homedAtZero.get(0));
        Api.Reply second = buy(id, homedAtZero.get(1)); // borrows shard 1's unit
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(second.status()).as(second.toString()).isEqualTo(201);
        assertThat(second.data().path("status").asString()).isEqualTo("awaiting_payment");

        // the user's place is held on the home shard, the lent unit on the lender
        assertThat(redis.opsForHash().size(home.holds())).isEqualTo(2);
        assertThat(redis.opsForHash().size(lender.holds())).isEqualTo(1);
        assertThat(redis.opsForSet().size(lender.buyers())).isZero();
        assertThat(audit(id).path("allHold").asBoolean()).as(audit(id).toString()).isTrue();

        // the borrower cancels: the unit goes back to the shard that lent it, the place is free
        String order = second.data().path("orderId").asString();
        Api.Reply cancelled = api.post("/api/v1/sale/user/orders/" + order + "/cancel", "",
                Api.user(homedAtZero.get(1)));
        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        assertThat(shardStock(id, 1)).isEqualTo(1);
        assertThat(shardStock(id, 0)).isZero();
        assertThat(redis.opsForHash().size(lender.holds())).isZero();
        assertThat(redis.opsForSet().isMember(home.buyers(), homedAtZero.get(1))).isFalse();

        // the first buyer does not pay: at the deadline the home unit comes back too
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(shardStock(id, 0)).isEqualTo(1);
            assertThat(redis.opsForHash().size(home.holds())).isZero();
        });
        assertInvariantsHold(id);
        assertThat(redisStock(id)).isEqualTo(2);
    }

    @Test
    void aDeadInstancesClaimAndLoanOfAnOrderAwaitingPaymentBecomeItsHolds() {
        Instant now = Instant.now();
        UUID id = product(2, 1, now.minus(Duration.ofMinutes(10)), now.plus(Duration.ofHours(1)),
                Map.of("shards", 2, "holdFor", "PT10M"));
        Product product = catalog.load(id).orElseThrow();
        SaleKeys home = SaleKeys.of(SaleShards.of(product).shard(0));
        SaleKeys lender = SaleKeys.of(SaleShards.of(product).shard(1));
        List<String> homedAtZero = usersHomedAt(0, 2, 2, "await-");
        assertThat(buy(id, homedAtZero.get(0)).status()).isEqualTo(201);
        Api.Reply borrowed = buy(id, homedAtZero.get(1));
        assertThat(borrowed.status()).as(borrowed.toString()).isEqualTo(201);
        String order = borrowed.data().path("orderId").asString();
        int unit = jdbc.sql("SELECT unit_no FROM order_units WHERE order_id = ?::uuid").param(order)
                .query(Integer.class).single();

        // as if the instance died after the order committed, before it turned the marks into holds
        String user = homedAtZero.get(1);
        long fiveMinutesAgo = Instant.now().minus(Duration.ofMinutes(5)).toEpochMilli();
        redis.opsForHash().delete(home.holds(), order);
        redis.opsForHash().delete(lender.holds(), order);
        redis.opsForHash().put(home.pending(), user, fiveMinutesAgo + ":0::98");
        redis.opsForHash().put(lender.pending(), user, fiveMinutesAgo + ":1:" + unit + ":99");

        reconciler.reconcile(product);

        assertThat(redis.opsForHash().size(home.pending()) + redis.opsForHash().size(lender.pending())).isZero();
        assertThat(redis.opsForHash().hasKey(home.holds(), order)).isTrue();
        assertThat(redis.opsForHash().get(lender.holds(), order)).isEqualTo(user + ":1:" + unit);
        assertThat(redis.opsForSet().isMember(home.buyers(), user)).isTrue();
        assertThat(redis.opsForSet().size(lender.buyers())).isZero();
        assertThat(audit(id).path("allHold").asBoolean()).as(audit(id).toString()).isTrue();

        // and cancelling the order gives the unit back to the shard that lent it
        Api.Reply cancelled = api.post("/api/v1/sale/user/orders/" + order + "/cancel", "", Api.user(user));
        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        assertThat(shardStock(id, 1)).isEqualTo(1);
        assertThat(redis.opsForHash().size(lender.holds())).isZero();
        assertThat(audit(id).path("allHold").asBoolean()).as(audit(id).toString()).isTrue();
    }

    @Test
    void aUserWithALoanPendingIsToldAlreadyPurchasedAndTheSaleIsNotSoldOutForOthers() {
        UUID id = splitProduct(2, 2); // one unit per shard
        Product product = catalog.load(id).orElseThrow();
        List<String> homedAtZero = usersHomedAt(0, 2, 3, "pending-loan-");
        assertThat(buy(id, homedAtZero.get(0)).status()).isEqualTo(201); // shard 0 is empty
        // a loan of shard 1 to the second user is pending there (its attempt still running, or its
        // instance dead), and its unit is not taken yet
        SaleKeys lender = SaleKeys.of(SaleShards.of(product).shard(1));
        redis.opsForHash().put(lender.pending(), homedAtZero.get(1), Instant.now().toEpochMilli() + ":0::77");

        Api.Reply again = buy(id, homedAtZero.get(1));

        assertThat(again.code()).as(again.toString()).isEqualTo("ALREADY_PURCHASED");
        // the unit is still there for the next buyer: this instance did not take the sale for sold out
        assertThat(buy(id, homedAtZero.get(2)).status()).isEqualTo(201);
        redis.opsForHash().delete(lender.pending(), homedAtZero.get(1));
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
        assertThat(shardStock(id, 0) + shardStock(id, 1)).isEqualTo(20);
        assertThat(shardStock(id, 0)).isEqualTo(10);

        // an unsplit sale is split while nothing is taken, and not once a unit is sold
        UUID whole = liveProduct(30, 1);
        Api.Reply split = api.patch("/api/v1/admin/products/" + whole, "{\"shards\":3}", Api.admin());
        assertThat(split.status()).as(split.toString()).isEqualTo(200);
        assertThat(split.data().path("shards").asInt()).isEqualTo(3);
        assertThat(redis.hasKey("fs:{" + whole + "}:stock")).as("the unsplit state is gone").isFalse();
        assertThat(shardStock(whole, 0) + shardStock(whole, 1) + shardStock(whole, 2)).isEqualTo(30);
        assertThat(buy(whole, "splitter").status()).isEqualTo(201);
        Api.Reply again = api.patch("/api/v1/admin/products/" + whole, "{\"shards\":2}", Api.admin());
        assertThat(again.status()).as(again.toString()).isEqualTo(409);
        assertInvariantsHold(whole);

        assertThat(buy(id, "first-buyer").status()).isEqualTo(201);
        Api.Reply lowered = api.patch("/api/v1/admin/products/" + id, "{\"totalQuantity\":15}", Api.admin());
        assertThat(lowered.status()).as(lowered.toString()).isEqualTo(409);
        assertThat(totalQuantity(id)).isEqualTo(20);
        assertInvariantsHold(id);
    }
}
