package dev.flashsale.scale;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.flashsale.support.Api;
import dev.flashsale.support.AppProcess;
import dev.flashsale.support.EdgeProxy;
import dev.flashsale.support.PgBouncer;
import dev.flashsale.support.PrivateRedis;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three instances of the service, each a process of its own, behind HAProxy with the operators'
 * ops/haproxy/haproxy.cfg, over PgBouncer with ops/pgbouncer/pgbouncer.ini, on a database and a
 * Redis of the test's own (so that their reconcilers look at this test's sales only). Shoppers come
 * from many loopback addresses (127.0.0.10 and up): the edge keeps an address on one instance
 * (balance source), so many addresses spread over all three. Without {@code haproxy} or
 * {@code pgbouncer} the tests are skipped, and reported as skipped, except where
 * FLASHSALE_EDGE_TESTS / FLASHSALE_POOLER_TESTS are {@code required} (as in .ci/run).
 *
 * <p>The instances trust what they remember of a sale for longer than by default (the stock for
 * 5 s, the definition for 60 s), so that a change seen by the others within 3 s can only have
 * come through the invalidation messages, not through expiry (it takes tens of milliseconds; the
 * bound leaves room for a machine busy with three instances, a proxy and a pooler). The instance killed mid-burst
 * is killed last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstancesBehindProxyTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String METRICS_TOKEN = "instances-metrics-token-0123456789";
    private static final int INSTANCES = 3;
    private static final int SHOPPER_ADDRESSES = 24;
    /** How soon a change made through one instance must be seen by the others. */
    private static final Duration CHANGE_BOUND = Duration.ofSeconds(3);

    private static String database;
    private static PgBouncer.Upstream server;
    private static PgBouncer pooler;
    private static PrivateRedis redis;
    private static final List<AppProcess> instances = new ArrayList<>();
    private static final List<Integer> ports = new ArrayList<>();
    private static EdgeProxy edge;
    private static final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

    /** Why the tests cannot run on this machine (no haproxy or pgbouncer), or null. */
    private static String missing;

    @BeforeAll
    static void startThreeInstancesBehindTheEdge() throws Exception {
        String noEdge = EdgeProxy.missing();
        missing = noEdge != null ? noEdge : PgBouncer.missing();
        if (missing != null) {
            return;
        }
        server = PgBouncer.Upstream.configured();
        database = "flashsale_instances_" + UUID.randomUUID().toString().substring(0, 8);
        server.direct().sql("CREATE DATABASE " + database).update();
        PgBouncer.Upstream upstream = new PgBouncer.Upstream(server.host(), server.port(), database, server.user());
        pooler = PgBouncer.start(upstream, 8);
        redis = new PrivateRedis();
        redis.start();

        for (int i = 0; i < INSTANCES; i++) {
            int port = instancePort();
            ports.add(port);
            List<String> settings = new ArrayList<>(List.of(
                    "--server.port=" + port,
                    "--spring.datasource.url=" + pooler.url(),
                    "--spring.datasource.username=" + upstream.user(),
                    "--spring.datasource.hikari.maximum-pool-size=8",
                    "--spring.flyway.url=" + upstream.directUrl(),
                    "--spring.flyway.user=" + upstream.user(),
                    "--spring.data.redis.host=127.0.0.1",
                    "--spring.data.redis.port=" + redis.port(),
                    "--server.tomcat.remoteip.internal-proxies=127\\.0\\.0\\.1",
                    "--flashsale.security.trusted-header.enabled=true",
                    "--flashsale.security.jwt-secret=instances-secret-instances-secret-0123456",
                    "--flashsale.security.admin-key=" + Api.ADMIN_KEY,
                    "--flashsale.security.metrics-token=" + METRICS_TOKEN,
                    "--flashsale.limits.enabled=false",
                    "--flashsale.reconciler.enabled=true",
                    "--flashsale.reconciler.interval=1s",
                    // an instance killed during a pass holds the lock this long (5 min by default);
                    // the passes here take a fraction of a second
                    "--flashsale.reconciler.lock-at-most-for=5s",
                    // a reservation is settled once older than its order could be in flight:
                    // the order's wait for a writer plus its write, retries included
                    "--flashsale.reconciler.stale-reservation-after=10s",
                    "--flashsale.ordering.queue-timeout=4s",
                    "--flashsale.ordering.write-timeout=2s",
                    "--flashsale.catalog.cache-ttl=60s",
                    "--flashsale.inventory.local-stock-ttl=5s"));
            settings.addAll(AppProcess.QUICK_OUTBOX_TAKEOVER);
            instances.add(AppProcess.start(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), Map.of(),
                    settings.toArray(String[]::new)));
        }
        for (int i = 0; i < INSTANCES; i++) {
            instances.get(i).awaitHealthy(ports.get(i), Duration.ofSeconds(120));
        }
        Map<String, String> backends = new HashMap<>();
        for (int i = 0; i < INSTANCES; i++) {
            backends.put("FLASHSALE_EDGE_APP" + (i + 1), "127.0.0.1:" + ports.get(i));
        }
        edge = EdgeProxy.start(backends);
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (AppProcess instance : instances) {
            instance.close();
        }
        if (edge != null) {
            edge.close();
        }
        if (pooler != null) {
            pooler.close();
        }
        if (redis != null) {
            redis.stop();
        }
        if (database != null) {
            server.direct().sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)").update();
        }
    }

    @BeforeEach
    void skipWithoutTheTools() {
        Assumptions.assumeTrue(missing == null, missing);
    }

    @Test
    @Order(1)
    void aRaceThroughTheEdgeSellsExactlyTheStockAcrossAllThreeInstances() {
        UUID product = liveProduct(60);
        Map<String, Long> purchasesBefore = perInstance("flashsale_purchases_total");

        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        burst(product, 400, "race", outcomes, new CopyOnWriteArrayList<>());

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(60);
        assertThat(count(outcomes, "409 SOLD_OUT")).as(outcomes.toString()).isEqualTo(340);
        assertConverged(product, 60);
        // every instance took part
        Map<String, Long> purchasesAfter = perInstance("flashsale_purchases_total");
        assertThat(purchasesAfter).as("attempts per instance").allSatisfy((instance, attempts) ->
                assertThat(attempts - purchasesBefore.getOrDefault(instance, 0L)).as(instance).isPositive());
    }

    @Test
    @Order(2)
    void aBuyerWhoBoughtOnOneInstanceIsRefusedOnTheOthers() {
        UUID product = liveProduct(10);
        assertThat(instance(0).post("/api/v1/sale/purchase", purchase(product), Api.user("roaming")).status()).isEqualTo(201);

        for (int i = 1; i < INSTANCES; i++) {
            Api.Reply again = instance(i).post("/api/v1/sale/purchase", purchase(product), Api.user("roaming"));
            assertThat(again.status()).as("instance " + (i + 1)).isEqualTo(409);
            assertThat(again.code()).isEqualTo("ALREADY_PURCHASED");
        }
    }

    @Test
    @Order(3)
    void aStockOrWindowChangeMadeOnOneInstanceIsSeenByAllBeforeTheirMemoryOfItExpires() {
        UUID product = liveProduct(3);
        for (int i = 0; i < 3; i++) {
            assertThat(instance(0).post("/api/v1/sale/purchase", purchase(product), Api.user("early-" + i)).status())
                    .isEqualTo(201);
        }
        // the other instances learn that it is sold out, and remember it (5 s here)
        for (int i = 1; i < INSTANCES; i++) {
            Api.Reply refused = instance(i).post("/api/v1/sale/purchase", purchase(product), Api.user("late-" + i));
            assertThat(refused.code()).isEqualTo("SOLD_OUT");
            assertThat(instance(i).get("/api/v1/sale/status/" + product).data().path("availableQuantity").asInt()).isZero();
        }

        // three more units, added through the first instance
        Api.Reply raised = instance(0).patch("/api/v1/admin/products/" + product, "{\"totalQuantity\":6}", Api.admin());
        assertThat(raised.status()).as(raised.toString()).isEqualTo(200);
        long stockSeenAfter = seenByTheOthers(product, sale -> sale.path("availableQuantity").asInt() == 3);
        Api.Reply soldElsewhere = instance(1).post("/api/v1/sale/purchase", purchase(product), Api.user("late-1"));
        assertThat(soldElsewhere.status()).as("sold on another instance at once: " + soldElsewhere).isEqualTo(201);

        // the sale ended early, through the first instance
        Api.Reply ended = instance(0).patch("/api/v1/admin/products/" + product,
                "{\"saleEndAt\":\"" + Instant.now().minusSeconds(1) + "\"}", Api.admin());
        assertThat(ended.status()).as(ended.toString()).isEqualTo(200);
        long windowSeenAfter = seenByTheOthers(product, sale -> sale.path("status").asString().equals("ended"));
        assertThat(instance(2).post("/api/v1/sale/purchase", purchase(product), Api.user("late-2")).code())
                .isEqualTo("SALE_ENDED");

        System.out.println("instances: a stock change was seen by the other instances after " + stockSeenAfter
                + " ms, a window change after " + windowSeenAfter + " ms");
    }

    /** Polls the other instances' status of the sale until all show the change; answers how long it took. */
    private static long seenByTheOthers(UUID product, java.util.function.Predicate<JsonNode> changed) {
        long start = System.nanoTime();
        await().atMost(CHANGE_BOUND).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (int i = 1; i < INSTANCES; i++) {
                if (!changed.test(instance(i).get("/api/v1/sale/status/" + product).data())) {
                    return false;
                }
            }
            return true;
        });
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    @Order(4)
    void anInstanceKilledMidBurstIsRoutedAroundItsReservationsSettledElsewhereAndItsStreamsReconnect() throws Exception {
        UUID product = liveProduct(300);
        slowOrders(product);
        List<Stream> streams = new ArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        ExecutorService watchers = Executors.newVirtualThreadPerTaskExecutor();
        try {
            for (int i = 0; i < 9; i++) {
                Stream stream = new Stream("127.0.0." + (40 + i));
                streams.add(stream);
                watchers.submit(() -> stream.watch(product, watching));
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> streams.stream().allMatch(s -> s.events.get() > 0));
            // the instance to kill: one that serves some of the streams
            Map<String, Long> watchersPerInstance = perInstance("flashsale_stream_watchers");
            int victim = 0;
            for (int i = 1; i < INSTANCES; i++) {
                if (watchersPerInstance.get("app" + (i + 1)) > watchersPerInstance.get("app" + (victim + 1))) {
                    victim = i;
                }
            }
            long victimWatchers = watchersPerInstance.get("app" + (victim + 1));
            assertThat(victimWatchers).as(watchersPerInstance.toString()).isPositive();

            Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
            List<UUID> confirmed = new CopyOnWriteArrayList<>();
            long killedAt;
            try (ExecutorService burst = Executors.newVirtualThreadPerTaskExecutor()) {
                // killed once it committed its first orders of the burst: the others it reserved
                // wait for its writers (slowed down here), their requests in flight, their
                // reservations left behind. A kill timed by other signs (its Redis scripts, which
                // confirms and reconciler passes run too; the orders committed by all three) could
                // come before its first reservation or after its last answer, and leave nothing for
                // the survivors to settle.
                int victimPort = ports.get(victim);
                long purchasedBefore = metric(victimPort, "flashsale_purchases_total", "outcome=\"purchased\"");
                Future<?> buying = burst.submit(() -> burst(product, 600, "kill", outcomes, confirmed));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() ->
                        metric(victimPort, "flashsale_purchases_total", "outcome=\"purchased\"") > purchasedBefore);
                instances.get(victim).kill();
                killedAt = System.nanoTime();
                buying.get(120, TimeUnit.SECONDS);
            } finally {
                db().sql("DROP TRIGGER IF EXISTS test_slow_instances ON orders").update();
            }
            long committedAtEnd = completedOrders(product);
            System.out.println("instances: killed app" + (victim + 1) + " (" + victimWatchers + " streams) mid-burst: "
                    + outcomes + ", " + committedAtEnd + " orders committed");

            // I3: every 201 is a committed order
            List<UUID> committed = db().sql("SELECT id FROM orders WHERE id = ANY (?::uuid[]) AND status = 'completed'")
                    .param(confirmed.stream().map(UUID::toString).toArray(String[]::new)).query(UUID.class).list();
            assertThat(committed).as("orders confirmed with a 201 and committed").containsExactlyInAnyOrderElementsOf(confirmed);
            assertThat(confirmed).hasSize(count(outcomes, "201"));
            // the premise: the kill came mid-burst, with requests in flight on the killed instance
            // (whether the killed instance's last orders committed before it died or not, their
            // reservations stay pending: the survivors' reconcilers must settle them, below)
            assertThat(outcomes.keySet()).as(outcomes.toString()).anyMatch(k -> !k.equals("201") && !k.startsWith("409"));

            // the edge routes every address to a live instance
            for (int i = 0; i < SHOPPER_ADDRESSES; i++) {
                String address = shopper(i);
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .until(() -> get(address, "/api/v1/sale/status/" + product).statusCode() == 200);
            }

            // the killed instance's reservations are settled by a surviving instance's scheduled reconciler
            List<Integer> survivors = new ArrayList<>();
            for (int i = 0; i < INSTANCES; i++) {
                if (i != victim) {
                    survivors.add(i);
                }
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                JsonNode audit = instance(survivors.getFirst()).get("/api/v1/admin/audit/" + product, Api.admin()).data();
                assertThat(audit.path("redis").path("pending").size()).as(audit.toString()).isZero();
                assertThat(audit.path("allHold").asBoolean()).as(audit.toString()).isTrue();
            });
            long settled = 0;
            for (int i : survivors) {
                settled += metric(ports.get(i), "flashsale_reconciler_repairs_total", "kind=\"released\"")
                        + metric(ports.get(i), "flashsale_reconciler_repairs_total", "kind=\"confirmed\"");
            }
            assertThat(settled).as("reservations settled by the survivors' reconcilers").isPositive();

            // the rest of the stock sells, exactly, through the edge, once every survivor has let go of
            // what it remembered of the stock (a unit released by the reconciler elsewhere is seen
            // within local-stock-ttl)
            long left = 300 - completedOrders(product);
            for (int i : survivors) {
                Api survivor = instance(i);
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                        survivor.get("/api/v1/sale/status/" + product).data().path("availableQuantity").asLong() == left);
            }
            Map<String, AtomicInteger> after = new ConcurrentHashMap<>();
            burst(product, (int) left + 20, "after", after, new CopyOnWriteArrayList<>());
            assertThat(count(after, "201")).as(after.toString()).isEqualTo((int) left);
            assertConverged(product, 300);

            // the streams: those on the killed instance were cut and came back through the edge; the
            // others never stopped
            long stoppedWatchingAt = System.nanoTime();
            watching.set(false);
            List<Stream> cut = streams.stream().filter(s -> s.connections.get() > 1).toList();
            assertThat(cut).as("streams cut by the kill").hasSize((int) victimWatchers);
            assertThat(cut).allSatisfy(s -> assertThat(s.lastEventAt.get()).as(s.address + " got an event after it reconnected")
                    .isGreaterThan(killedAt));
            assertThat(streams).allSatisfy(s -> assertThat(TimeUnit.NANOSECONDS.toMillis(stoppedWatchingAt - s.lastLineAt.get()))
                    .as(s.address + " still receiving").isLessThan(5000));
        } finally {
            // each stream notices between two of its lines (at most 2 s apart)
            watching.set(false);
            watchers.close();
        }
    }

    // --- shoppers ----------------------------------------------------------------------------

    /** Shopper {@code i}'s address: 127.0.0.10 and up. */
    private static String shopper(int i) {
        return "127.0.0." + (10 + i % SHOPPER_ADDRESSES);
    }

    private static HttpClient client(String address) {
        return clients.computeIfAbsent(address, a -> {
            try {
                return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).localAddress(InetAddress.getByName(a))
                        .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static HttpResponse<String> get(String address, String path) throws Exception {
        return client(address).send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * {@code n} shoppers, released together, each buying once through the edge from one of the
     * shoppers' addresses. Counts the answers ("201", "409 SOLD_OUT", "502", "no answer", ...) and
     * collects the orders confirmed with a 201.
     */
    private static void burst(UUID product, int n, String users, Map<String, AtomicInteger> outcomes, List<UUID> confirmed) {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> attempts = new ArrayList<>();
        try (ExecutorService shoppers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int index = i;
                attempts.add(shoppers.submit(() -> {
                    go.await();
                    String key;
                    try {
                        HttpResponse<String> reply = client(shopper(index)).send(HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + edge.port() + "/api/v1/sale/purchase"))
                                .header("Content-Type", "application/json").header("X-User-Id", users + "-" + index)
                                .POST(HttpRequest.BodyPublishers.ofString(purchase(product)))
                                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                        key = String.valueOf(reply.statusCode());
                        if (reply.statusCode() == 201) {
                            confirmed.add(UUID.fromString(JSON.readTree(reply.body()).path("data").path("orderId").asString()));
                        } else if (reply.headers().firstValue("Content-Type").orElse("").contains("json")) {
                            key += " " + JSON.readTree(reply.body()).path("code").asString("");
                        }
                    } catch (IOException connectionLost) {
                        key = "no answer";
                    }
                    outcomes.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> attempt : attempts) {
                attempt.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A browser watching the sale through the edge from one address, reconnecting as EventSource does. */
    private static final class Stream {

        final String address;
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger events = new AtomicInteger();
        final AtomicLong lastEventAt = new AtomicLong();
        final AtomicLong lastLineAt = new AtomicLong();

        Stream(String address) {
            this.address = address;
        }

        void watch(UUID product, AtomicBoolean watching) {
            while (watching.get()) {
                connections.incrementAndGet();
                try {
                    HttpResponse<InputStream> response = client(address).send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + edge.port() + "/api/v1/sale/stream/" + product)).build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                        String event = null;
                        for (String line; watching.get() && (line = in.readLine()) != null; ) {
                            lastLineAt.set(System.nanoTime());
                            if (line.startsWith("event:")) {
                                event = line.substring(6).strip();
                            } else if (line.startsWith("data:") && "sale".equals(event)) {
                                events.incrementAndGet();
                                lastEventAt.set(System.nanoTime());
                            }
                        }
                    }
                } catch (IOException cut) {
                    // as a browser: reconnect after a moment
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    // --- the instances and the stores ---------------------------------------------------------

    private static Api instance(int i) {
        return new Api(ports.get(i));
    }

    private static UUID liveProduct(int total) {
        Instant now = Instant.now();
        Api.Reply created = new Api(edge.port()).post("/api/v1/admin/products", Api.json(Map.of(
                "name", "Instances " + UUID.randomUUID(), "price", 5, "totalQuantity", total, "perUserLimit", 1,
                "saleStartAt", now.minusSeconds(60).toString(), "saleEndAt", now.plusSeconds(3600).toString())), Api.admin());
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return UUID.fromString(created.data().path("id").asString());
    }

    private static String purchase(UUID product) {
        return "{\"productId\":\"" + product + "\"}";
    }

    private static JdbcClient db() {
        return new PgBouncer.Upstream(server.host(), server.port(), database, server.user()).direct();
    }

    private static long completedOrders(UUID product) {
        return db().sql("SELECT count(*) FROM orders WHERE product_id = ? AND status = 'completed'")
                .param(product).query(Long.class).single();
    }

    /** Sold exactly {@code sold}, counted by the outbox, nothing pending in Redis, and the audit agrees. */
    private static void assertConverged(UUID product, int sold) {
        assertThat(completedOrders(product)).isEqualTo(sold);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(db().sql("SELECT sold_quantity FROM products WHERE id = ?").param(product).query(Integer.class).single())
                    .as("sold counter").isEqualTo(sold);
            JsonNode audit = new Api(edge.port()).get("/api/v1/admin/audit/" + product, Api.admin()).data();
            assertThat(audit.path("allHold").asBoolean()).as(audit.toString()).isTrue();
        });
    }

    /** A metric's value summed over its series, per live instance ("app1", ...). */
    private static Map<String, Long> perInstance(String name) {
        Map<String, Long> values = new HashMap<>();
        for (int i = 0; i < INSTANCES; i++) {
            if (instances.get(i).isAlive()) {
                values.put("app" + (i + 1), metric(ports.get(i), name, ""));
            }
        }
        return values;
    }

    /** Redis scripts (EVAL, EVALSHA) the instance's client has completed so far. */
    /** The sum of a metric's series (those whose labels contain {@code label}) on one instance. */
    private static long metric(int port, String name, String label) {
        Api.Reply scrape = new Api(port).get("/actuator/prometheus", "Authorization", "Bearer " + METRICS_TOKEN);
        assertThat(scrape.status()).isEqualTo(200);
        double sum = 0;
        for (String line : scrape.text().split("\n")) {
            int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
            if (!line.startsWith("#") && end > 0 && line.substring(0, end).equals(name) && line.contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Math.round(sum);
    }

    /** Each order of the product takes 10 ms longer to insert, so that many are in flight at once. */
    private static void slowOrders(UUID product) {
        db().sql("""
                CREATE OR REPLACE FUNCTION test_slow_instances() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.product_id = '%s' THEN
                        PERFORM pg_sleep(0.01);
                    END IF;
                    RETURN NEW;
                END $$""".formatted(product)).update();
        db().sql("CREATE TRIGGER test_slow_instances BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION test_slow_instances()")
                .update();
    }

    private static int count(Map<String, AtomicInteger> outcomes, String key) {
        return outcomes.getOrDefault(key, new AtomicInteger()).get();
    }

    /**
     * A port for an instance, free now, from 18000-18099: below the range the kernel hands out to
     * outgoing connections, which could take an ephemeral port in the seconds before the instance
     * listens on it.
     */
    private static int instancePort() throws IOException {
        int first = (int) (Math.random() * 100);
        for (int i = 0; i < 100; i++) {
            int port = 18000 + (first + i) % 100;
            if (ports.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // the next one
            }
        }
        throw new IllegalStateException("no free port in 18000-18099");
    }
}
