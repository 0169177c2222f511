package dev.flashsale.reconciliation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.inventory.SaleShards;
import dev.flashsale.inventory.internal.SaleKeys;
import dev.flashsale.support.Api;
import dev.flashsale.support.AppProcess;
import dev.flashsale.support.FaultDrill;
import dev.flashsale.support.OnRedisCluster;
import dev.flashsale.support.RedisCluster;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A sale split three ways (decision 0030) on a Redis Cluster of three masters and three replicas
 * (cluster-node-timeout 2 s), one shard on each master: the master of one shard is killed with
 * SIGKILL in the middle of a burst of purchases by new buyers, from several clients. As in
 * {@link RedisFailoverDrillTest}, that master's replica had fallen behind first (its replication
 * link cut, and kept from coming back by a wrong {@code masterauth}), so everything the shard's
 * master acknowledged during the burst is certain to be lost with it: the places of the buyers at
 * home there, the units it reserved and the units it lent to buyers at home on the other shards.
 * A replica that merely lags would lose some of that; making it lose all of it makes the drill
 * deterministic, and the repair of the one shard certain to be needed.
 *
 * <p>Both drills check: the other shards sell on while the shard has no master (their buyers have
 * units at home); the attempts that need the shard get 503 and nothing else; every 201 has its
 * committed order; nobody buys twice (the buyers the promoted replica forgot are refused, by
 * PostgreSQL); one reconciler pass repairs the shard; then every buyer is refused a second order,
 * the stock sells exactly, to the last unit, and the invariants and the audit hold. Each restarts
 * the killed node, which rejoins as a replica, so the cluster is whole again for the tests after it.
 * <ul>
 * <li>In the first the burst goes on until the sale is sold out: the purchases resume by
 *     themselves within {@link RedisFailoverDrillTest#RESUME_BOUND} of the kill, the units the shard
 *     hands out again are refused (409 INVENTORY_CONFLICT) and retired, and the burst sells the
 *     whole stock; the reconciler then only has the forgotten buyers to restore.</li>
 * <li>In the second the burst stops when the replica takes over, so it is the reconciler that
 *     repairs the shard's units (the committed ones above the issued mark the replica had): the
 *     rest of the stock then sells without a single conflict.</li>
 * </ul>
 * The measured times and outcomes are printed.
 */
@OnRedisCluster
class SplitSaleFailoverDrillTest extends FaultDrill {

    private static final int STOCK = 600;
    private static final int SHARDS = 3;
    /** The shard whose master is killed: the middle one, whose unit numbers start above another's. */
    private static final int VICTIM = 1;
    private static final int CLIENTS = 8;
    private static final Duration PACE = Duration.ofMillis(40);
    /** A burst that does not end within this long fails the drill. */
    private static final Duration BURST_BOUND = Duration.ofSeconds(90);
    /** Nor may a burst take more buyers than this. */
    private static final int MAX_ATTEMPTS = 20 * STOCK;
    private static final String SOLD_OUT = "409 SOLD_OUT";
    private static final String UNAVAILABLE = "503 SERVICE_UNAVAILABLE";
    private static final String CONFLICT = "409 INVENTORY_CONFLICT";
    private static final String ALREADY_PURCHASED = "409 ALREADY_PURCHASED";

    /**
     * A second instance of the service, which takes no part in the burst: the forgotten buyers try
     * again there, as a load balancer may send them, where nothing but Redis and PostgreSQL knows
     * them (the instance that committed an order remembers its buyer for minutes, and would refuse
     * them without asking either).
     */
    private static AppProcess other;
    private static int otherPort;

    @Autowired
    Catalog catalog;

    @AfterAll
    static void stopTheOtherInstance() throws InterruptedException {
        if (other != null) {
            other.close();
            other = null;
        }
    }

    record Attempt(String user, int home, long startMs, long endMs, int status, String code, String orderId) {

        String outcome() {
            return status == 201 ? "201" : status + " " + code;
        }
    }

    /** What a burst did: every attempt, the answers to the forgotten buyers' second attempts, the times. */
    record Burst(UUID product, int master, int replica, List<Attempt> attempts, List<String> forgotten,
                 Map<String, String> again, long killedAt, long failoverMs, long burstMs) {

        /** The forgotten buyers who did not try again: the reconciler must restore them. */
        List<String> kept() {
            return forgotten.stream().filter(u -> !again.containsKey(u)).toList();
        }

        /** The forgotten buyers who tried again and heard they had bought already. */
        List<String> refused() {
            return again.entrySet().stream().filter(e -> e.getValue().equals(ALREADY_PURCHASED)).map(Map.Entry::getKey)
                    .toList();
        }

        Map<String, Integer> outcomes() {
            Map<String, Integer> outcomes = new TreeMap<>();
            attempts.forEach(a -> outcomes.merge(a.outcome(), 1, Integer::sum));
            return outcomes;
        }

        /** The outcomes of the attempts made while the shard had no master, its buyers' and the others'. */
        Map<String, Integer> meanwhile() {
            Map<String, Integer> meanwhile = new TreeMap<>();
            attempts.stream().filter(a -> a.startMs() > killedAt && a.endMs() < killedAt + failoverMs)
                    .forEach(a -> meanwhile.merge((a.home() == VICTIM ? "the shard's buyers " : "others ")
                            + a.outcome(), 1, Integer::sum));
            return meanwhile;
        }

        Map<String, Integer> againOutcomes() {
            Map<String, Integer> outcomes = new TreeMap<>();
            again.values().forEach(v -> outcomes.merge(v, 1, Integer::sum));
            return outcomes;
        }

        List<String> buyers() {
            return attempts.stream().filter(a -> a.status() == 201).map(Attempt::user).toList();
        }

        long first503() {
            return attempts.stream().filter(a -> a.status() == 503).mapToLong(Attempt::startMs).min().orElse(killedAt)
                    - killedAt;
        }

        long last503() {
            return attempts.stream().filter(a -> a.status() == 503).mapToLong(Attempt::endMs).max().orElse(killedAt)
                    - killedAt;
        }
    }

    @Test
    void theMasterOfOneShardKilledMidBurstLosesNoOrderAndTheBurstSellsTheWholeStock() throws Exception {
        Burst burst = burst(true);
        long k = burst.killedAt();
        // the shard's buyers buy again: the first 201 at home there to an attempt made once the
        // failure showed (one made just before the kill may still have been answered by the old master)
        long resumed = burst.attempts().stream()
                .filter(a -> a.status() == 201 && a.home() == VICTIM && a.startMs() > k + burst.first503())
                .mapToLong(Attempt::endMs).min().orElseThrow() - k;
        System.out.printf("split-sale failover drill, until sold out: shard %d's master killed %d ms into the burst; "
                        + "replica promoted %d ms after the kill; 503s from %d to %d ms after it; the shard's buyers "
                        + "bought again from %d ms; sold out %d ms into the burst; outcomes %s; while the shard had "
                        + "no master: %s; its buyers of before the kill, again: %s%n",
                VICTIM, k, burst.failoverMs(), burst.first503(), burst.last503(), resumed, burst.burstMs(),
                burst.outcomes(), burst.meanwhile(), burst.againOutcomes());
        assertThat(burst.outcomes().keySet()).as(burst.outcomes().toString())
                .isSubsetOf("201", UNAVAILABLE, CONFLICT, SOLD_OUT).contains(SOLD_OUT);
        assertThat(Duration.ofMillis(resumed)).as("the shard's buyers buy again by themselves")
                .isLessThan(RedisFailoverDrillTest.RESUME_BOUND);
        assertThat(Duration.ofMillis(burst.last503())).as("and no 503 after the bound")
                .isLessThan(RedisFailoverDrillTest.RESUME_BOUND);
        assertThat(burst.againOutcomes().keySet()).as(burst.againOutcomes().toString())
                .isSubsetOf(ALREADY_PURCHASED, SOLD_OUT);

        JsonNode repair = reconcile(burst.product());

        assertThat(repair.path("buyersRestored").asInt()).as(repair.toString())
                .isGreaterThanOrEqualTo(burst.kept().size());
        sellsTheRestExactly(burst);
    }

    @Test
    void theReconcilerRepairsTheShardAFailoverLeftBehindAndTheRestOfTheStockSellsWithoutAConflict() throws Exception {
        Burst burst = burst(false);
        System.out.printf("split-sale failover drill, stopped at the failover: shard %d's master killed %d ms into the "
                        + "burst; replica promoted %d ms after the kill; 503s from %d to %d ms after it; outcomes %s; "
                        + "while the shard had no master: %s; its buyers of before the kill, again: %s%n",
                VICTIM, burst.killedAt(), burst.failoverMs(), burst.first503(), burst.last503(), burst.outcomes(),
                burst.meanwhile(), burst.againOutcomes());
        assertThat(burst.outcomes().keySet()).as(burst.outcomes().toString())
                .isSubsetOf("201", UNAVAILABLE, CONFLICT);
        assertThat(burst.againOutcomes().keySet()).as(burst.againOutcomes().toString()).containsExactly(ALREADY_PURCHASED);
        JsonNode stale = audit(burst.product()).path("redis");
        assertThat(stale.path("unitsMisplaced").asLong())
                .as("committed units the shard has as free or above its issued mark: " + stale).isPositive();
        assertThat(stale.path("buyersMissing").asLong()).as(stale.toString()).isGreaterThanOrEqualTo(burst.kept().size());

        JsonNode repair = reconcile(burst.product());

        assertThat(repair.path("buyersRestored").asInt()).as(repair.toString())
                .isGreaterThanOrEqualTo(burst.kept().size());
        assertThat(repair.path("stockAfter").asInt()).as("the lost units taken from the stock: " + repair)
                .isLessThan(repair.path("stockBefore").asInt());
        Map<String, AtomicInteger> rest = sellsTheRestExactly(burst);
        assertThat(count(rest, "201")).as("units were left to sell").isPositive();
    }

    /**
     * A live sale of {@link #STOCK} units split {@link #SHARDS} ways, twenty units sold; then the
     * burst, during which the master of shard {@link #VICTIM} is killed, its replica cut off before,
     * and the buyers at home on that shard who bought before the kill try again. The burst goes on
     * until the sale is sold out, or ({@code untilSoldOut} false) until the replica has taken over.
     */
    private Burst burst(boolean untilSoldOut) throws Exception {
        RedisCluster cluster = cluster();
        cluster.awaitHealthy();
        Api elsewhere = otherInstance();
        UUID product = product(STOCK, 1, Instant.now().minus(Duration.ofMinutes(1)), Instant.now().plus(Duration.ofHours(1)),
                Map.of("shards", SHARDS));
        SaleShards shards = SaleShards.of(catalog.load(product).orElseThrow());
        List<Integer> masters = shards.all().stream().map(s -> cluster.masterOf(SaleKeys.of(s).stock())).toList();
        assertThat(masters).as("a shard on each master").doesNotHaveDuplicates();
        int master = masters.get(VICTIM);
        int replica = cluster.replicaOf(master);
        List<String> confirmed = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Api.Reply reply = buy(product, "before-" + i);
            assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
            confirmed.add(reply.data().path("orderId").asString());
        }

        Queue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        Map<String, String> again = new ConcurrentHashMap<>();
        List<String> forgotten = new ArrayList<>();
        long killedAt = -1;
        long failoverMs;
        long burstMs;
        AtomicBoolean stopBurst = new AtomicBoolean();
        AtomicBoolean stopAll = new AtomicBoolean();
        AtomicInteger users = new AtomicInteger();
        String prefix = "burst-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            // the replica falls behind: its link to the master is cut, and cannot come back
            cluster.cli(replica, "config", "set", "masterauth", "not-the-masters-password");
            cluster.cli(replica, "client", "kill", "type", "master");
            long origin = System.nanoTime();
            List<Future<Void>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(pool.submit(() -> buyers(product, shards, prefix, users, origin, stopBurst, attempts)));
            }
            // the shard's master acknowledges reservations, places and loans its replica will never have
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                    .until(() -> attempts.stream().filter(a -> a.status() == 201).count() >= 30);
            killedAt = millisSince(origin);
            cluster.kill(master);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> cluster.isMaster(replica));
            failoverMs = millisSince(origin) - killedAt;
            if (!untilSoldOut) {
                stopBurst.set(true);
            }
            // the premise: the promoted replica does not have the shard's buyers of before the kill
            long kill = killedAt;
            forgotten.addAll(attempts.stream().filter(a -> a.status() == 201 && a.home() == VICTIM && a.endMs() < kill)
                    .map(Attempt::user).toList());
            assertThat(forgotten).as("buyers at home on the shard before the kill").hasSizeGreaterThan(1);
            String victimStock = SaleKeys.of(shards.shard(VICTIM)).stock();
            await("the shard's new master, as the test's client sees it").atMost(RedisFailoverDrillTest.RESUME_BOUND)
                    .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> redis.opsForValue().get(victimStock) != null);
            assertThat(forgotten.stream().filter(u -> redisBuyer(product, u)).toList())
                    .as("buyers the promoted replica has of those it should not know").isEmpty();
            // and half of them try again, at the other instance; the other half are the reconciler's to restore
            List<Future<Void>> repeats = IntStream.range(0, forgotten.size()).filter(i -> i % 2 == 0)
                    .mapToObj(forgotten::get)
                    .map(user -> pool.submit(() -> buyAgainUntilAnswered(elsewhere, product, user, stopAll, again)))
                    .toList();
            for (Future<Void> client : clients) {
                client.get(BURST_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            }
            burstMs = millisSince(origin);
            for (Future<Void> repeat : repeats) {
                repeat.get(BURST_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            // also when the drill failed: the clients stop before the pool waits for them, and
            // the cluster is whole again for the tests after this one
            stopBurst.set(true);
            stopAll.set(true);
            pool.close();
            cluster.cli(replica, "config", "set", "masterauth", "");
            if (killedAt >= 0) {
                cluster.startNode(master);
            }
        }
        Burst burst = new Burst(product, master, replica, List.copyOf(attempts), List.copyOf(forgotten),
                Map.copyOf(again), killedAt, failoverMs, burstMs);

        // I3 first: every 201 is a committed order
        attempts.stream().filter(a -> a.status() == 201).forEach(a -> confirmed.add(a.orderId()));
        assertEveryConfirmedOrderIsCommitted(confirmed);
        assertThat(burst.outcomes()).as("the kill came mid-burst").containsKey(UNAVAILABLE);
        assertThat(burst.meanwhile()).as("the other shards sold on while the shard had no master")
                .containsKey("others 201");
        assertThat(burst.meanwhile().keySet()).as("nothing but 201 and 503 meanwhile: " + burst.meanwhile())
                .allMatch(k -> k.endsWith(" 201") || k.endsWith(" " + UNAVAILABLE));
        // nobody bought twice, whatever Redis forgot: the forgotten buyers who tried again were
        // refused by PostgreSQL (or heard the sale was sold out by then)
        assertThat(burst.againOutcomes()).as("the forgotten buyers, again").doesNotContainKey("201");
        assertThat(refusedByPostgres(burst)).as("refused by PostgreSQL, as the other instance logged")
                .containsExactlyInAnyOrderElementsOf(burst.refused());
        assertThat(distinctBuyers(product)).as("one order per buyer").isEqualTo(completedOrders(product));
        // those who did not try again are still unknown to Redis
        assertThat(burst.kept().stream().filter(u -> redisBuyer(product, u)).toList()).isEmpty();
        return burst;
    }

    /**
     * A reconciler pass (the admin endpoint), once what the burst left pending is stale; then the
     * audit must hold. Returns the pass's repair of the product.
     */
    private JsonNode reconcile(UUID product) throws InterruptedException {
        Thread.sleep(Duration.ofSeconds(2).plusMillis(500).toMillis()); // flashsale.reconciler.stale-reservation-after
        Api.Reply pass = api.post("/api/v1/admin/reconciler/run", "", Api.admin());
        assertThat(pass.status()).as(pass.toString()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(audit(product).path("allHold").asBoolean()).as(audit(product).toString()).isTrue());
        JsonNode repair = StreamSupport.stream(pass.data().path("repairs").spliterator(), false)
                .filter(r -> r.path("productId").asString().equals(product.toString())).findFirst().orElseThrow(() ->
                        new AssertionError("the pass repaired nothing of " + product + ": " + pass));
        System.out.printf("split-sale failover drill: the reconciler's repair %s%n", repair);
        return repair;
    }

    /**
     * Every buyer of the burst is refused a second order at the other instance, by Redis, which
     * knows them all again; the units left sell to new buyers, exactly, until the sale is sold
     * out; each unit is sold once, and the invariants and the audit hold.
     */
    private Map<String, AtomicInteger> sellsTheRestExactly(Burst burst) {
        UUID product = burst.product();
        List<String> buyers = burst.buyers();
        Api elsewhere = otherInstance();
        long refusalsBefore = refusalsByPostgres();
        Map<String, AtomicInteger> twice = answers(buyers.size(), 16, i -> elsewhere.post("/api/v1/sale/purchase",
                "{\"productId\":\"" + product + "\"}", Api.user(buyers.get(i))));
        assertThat(twice).as("the burst's buyers, again").containsOnlyKeys(ALREADY_PURCHASED);
        assertThat(refusalsByPostgres()).as("none of them got past Redis to PostgreSQL").isEqualTo(refusalsBefore);

        int left = STOCK - (int) completedQuantity(product);
        Map<String, AtomicInteger> rest = answers(left + 50, 32, i -> buy(product, "after-" + UUID.randomUUID()));
        System.out.printf("split-sale failover drill: %d units left after the reconciler's pass: %s%n", left, rest);
        assertThat(rest.keySet()).as(rest.toString()).isSubsetOf("201", SOLD_OUT);
        assertThat(count(rest, "201")).as(rest.toString()).isEqualTo(left);
        assertThat(completedOrders(product)).isEqualTo(STOCK);
        assertThat(buy(product, "the-last-one").code()).isEqualTo("SOLD_OUT");
        assertThat(jdbc.sql("SELECT unit_no FROM order_units WHERE product_id = ? ORDER BY unit_no")
                .param(product).query(Integer.class).list())
                .as("each unit sold once").containsExactlyElementsOf(IntStream.rangeClosed(1, STOCK).boxed().toList());
        assertInvariantsHold(product);
        JsonNode audit = audit(product);
        assertThat(audit.path("allHold").asBoolean()).as(audit.toString()).isTrue();

        // the cluster is whole again: the killed node is back, as a replica of the one that took over
        cluster().awaitHealthy();
        assertThat(cluster().isMaster(burst.master())).as("the killed node rejoined as a replica").isFalse();
        assertThat(cluster().replicaOf(burst.replica())).isEqualTo(burst.master());
        return rest;
    }

    /**
     * One client of the burst: a new buyer every {@link #PACE}, until the sale is sold out or the
     * drill stops it.
     */
    private Void buyers(UUID product, SaleShards shards, String prefix, AtomicInteger users, long origin,
                        AtomicBoolean stop, Queue<Attempt> log) throws InterruptedException {
        while (!stop.get()) {
            if (users.get() >= MAX_ATTEMPTS) {
                throw new IllegalStateException("the sale did not sell out within " + MAX_ATTEMPTS + " attempts");
            }
            String user = prefix + users.incrementAndGet();
            long start = millisSince(origin);
            Api.Reply reply = buy(product, user);
            Attempt attempt = new Attempt(user, shards.home(user), start, millisSince(origin), reply.status(), reply.code(),
                    reply.status() == 201 ? reply.data().path("orderId").asString() : null);
            log.add(attempt);
            if (attempt.outcome().equals(SOLD_OUT)) {
                return null;
            }
            Thread.sleep(PACE);
        }
        return null;
    }

    /** A buyer of before the kill tries again, until an answer other than 503 (the shard's master away). */
    private static Void buyAgainUntilAnswered(Api elsewhere, UUID product, String user, AtomicBoolean stop,
                                              Map<String, String> answers) throws InterruptedException {
        while (!stop.get()) {
            Api.Reply reply = elsewhere.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}",
                    Api.user(user));
            if (reply.status() != 503) {
                answers.put(user, reply.status() == 201 ? "201" : reply.status() + " " + reply.code());
                return null;
            }
            Thread.sleep(PACE);
        }
        return null;
    }

    /** The second instance ({@link #other}), started the first time it is needed. */
    private Api otherInstance() {
        if (other == null) {
            otherPort = freePort();
            List<String> settings = new ArrayList<>(processArguments(otherPort));
            settings.addAll(List.of("--flashsale.limits.enabled=false", "--logging.level.root=WARN"));
            other = AppProcess.start(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), Map.of(),
                    settings.toArray(String[]::new));
            other.awaitHealthy(otherPort, Duration.ofSeconds(120));
        }
        return new Api(otherPort);
    }

    /** The forgotten buyers the other instance refused, as it logged them: refused by PostgreSQL. */
    private static List<String> refusedByPostgres(Burst burst) {
        String log = other.output();
        return burst.again().keySet().stream().filter(user -> log.lines().anyMatch(line ->
                line.contains("database refused a reservation") && line.contains("user=" + user + " ")
                        && line.contains("constraint=orders_one_taken_per_user"))).toList();
    }

    /** The attempts the other instance has had refused by PostgreSQL as a second order, as it logged them. */
    private static long refusalsByPostgres() {
        return other.output().lines().filter(line -> line.contains("database refused a reservation")
                && line.contains("constraint=orders_one_taken_per_user")).count();
    }
}
