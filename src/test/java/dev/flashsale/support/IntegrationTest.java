package dev.flashsale.support;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.flashsale.FlashSaleApplication;
import dev.flashsale.inventory.SaleShards;
import dev.flashsale.inventory.internal.SaleKeys;
import tools.jackson.databind.JsonNode;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shared base of the integration tests: the whole application on a random port, against real
 * PostgreSQL and Redis servers (the machine's in CI, embedded ones on a fresh machine). Tests
 * isolate their data by working on products of their own (fresh UUIDs, hence fresh Redis keys).
 */
@SpringBootTest(classes = FlashSaleApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
public abstract class IntegrationTest {

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcClient jdbc;

    @Autowired
    protected StringRedisTemplate redis;

    protected Api api;

    @BeforeEach
    void connectApi() {
        api = new Api(port);
    }

    /** A test that says it runs on a Redis Cluster does: a single Redis must not pass for one. */
    @BeforeEach
    void onTheRedisItClaims() {
        if (getClass().isAnnotationPresent(OnRedisCluster.class)) {
            assertThat(redis.getConnectionFactory() instanceof LettuceConnectionFactory lettuce && lettuce.isClusterAware())
                    .as("the application talks to a Redis Cluster").isTrue();
        }
    }

    /** A product on sale now, for an hour. */
    protected UUID liveProduct(int total, int perUserLimit) {
        Instant now = Instant.now();
        return product(total, perUserLimit, now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofHours(1)));
    }

    protected UUID product(int total, int perUserLimit, Instant start, Instant end) {
        return product(total, perUserLimit, start, end, Map.of());
    }

    /** A product with more fields of the admin API set (the bot controls, for example). */
    protected UUID product(int total, int perUserLimit, Instant start, Instant end, Map<String, Object> more) {
        Map<String, Object> body = new LinkedHashMap<>(more);
        body.put("name", "Test product " + UUID.randomUUID());
        body.put("price", new java.math.BigDecimal("19.99"));
        body.put("totalQuantity", total);
        body.put("perUserLimit", perUserLimit);
        body.put("saleStartAt", start.toString());
        body.put("saleEndAt", end.toString());
        Api.Reply reply = api.post("/api/v1/admin/products", Api.json(body), Api.admin());
        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        return UUID.fromString(reply.data().path("id").asString());
    }

    protected Api.Reply buy(UUID productId, String userId) {
        return api.post("/api/v1/sale/purchase", "{\"productId\":\"" + productId + "\"}", Api.user(userId));
    }

    protected JsonNode status(UUID productId) {
        Api.Reply reply = api.get("/api/v1/sale/status/" + productId);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.data();
    }

    /**
     * Fires one purchase per user at once (released together by a latch) and counts the answers:
     * "201", or status and problem code ("409 SOLD_OUT").
     */
    protected Map<String, AtomicInteger> race(UUID product, int attempts, IntFunction<String> userOf) {
        return answers(attempts, attempts, i -> buy(product, userOf.apply(i)));
    }

    /**
     * Sends {@code n} requests, released together, at most {@code concurrency} at a time (a client
     * with that many connections), and counts the answers: "201", or status and problem code.
     */
    protected static Map<String, AtomicInteger> answers(int n, int concurrency, IntFunction<Api.Reply> request) {
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        for (Api.Reply reply : Api.concurrently(n, concurrency, request)) {
            String key = reply.status() == 201 ? "201" : reply.status() + " " + reply.code();
            outcomes.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        }
        return outcomes;
    }

    protected static int count(Map<String, AtomicInteger> outcomes, String key) {
        return outcomes.getOrDefault(key, new AtomicInteger()).get();
    }

    // --- what the stores say -----------------------------------------------------------------

    /**
     * The Redis keys of each shard of the product's sale (one for a sale that is not split). An
     * unsplit sale's state is found in Redis alone, so that drills that cut PostgreSQL can read it.
     */
    protected List<SaleKeys> redisKeys(UUID productId) {
        SaleKeys unsplit = SaleKeys.of(productId);
        if (Boolean.TRUE.equals(redis.hasKey(unsplit.sale()))) {
            return List.of(unsplit);
        }
        Map<String, Object> row = jdbc.sql("SELECT shards, total_quantity FROM products WHERE id = ?")
                .param(productId).query().singleRow();
        SaleShards shards = new SaleShards(productId, ((Number) row.get("shards")).intValue(),
                ((Number) row.get("total_quantity")).intValue());
        return shards.all().stream().map(SaleKeys::of).toList();
    }

    /** The live stock in Redis, summed over a split sale's shards; -1 if a shard has none. */
    protected int redisStock(UUID productId) {
        int sum = 0;
        for (SaleKeys keys : redisKeys(productId)) {
            String stock = redis.opsForValue().get(keys.stock());
            if (stock == null) {
                return -1;
            }
            sum += Integer.parseInt(stock);
        }
        return sum;
    }

    protected boolean redisBuyer(UUID productId, String userId) {
        return redisKeys(productId).stream()
                .anyMatch(keys -> Boolean.TRUE.equals(redis.opsForSet().isMember(keys.buyers(), userId)));
    }

    protected long redisBuyers(UUID productId) {
        long sum = 0;
        for (SaleKeys keys : redisKeys(productId)) {
            Long n = redis.opsForSet().size(keys.buyers());
            sum += n == null ? 0 : n;
        }
        return sum;
    }

    protected long redisPending(UUID productId) {
        return redisKeys(productId).stream().mapToLong(keys -> redis.opsForHash().size(keys.pending())).sum();
    }

    protected long completedOrders(UUID productId) {
        return jdbc.sql("SELECT count(*) FROM orders WHERE product_id = ? AND status = 'completed'")
                .param(productId).query(Long.class).single();
    }

    protected long completedQuantity(UUID productId) {
        return jdbc.sql("SELECT coalesce(sum(quantity), 0) FROM orders WHERE product_id = ? AND status = 'completed'")
                .param(productId).query(Long.class).single();
    }

    protected long distinctBuyers(UUID productId) {
        return jdbc.sql("SELECT count(DISTINCT user_id) FROM orders WHERE product_id = ? AND status = 'completed'")
                .param(productId).query(Long.class).single();
    }

    protected long orderUnits(UUID productId) {
        return jdbc.sql("SELECT count(*) FROM order_units WHERE product_id = ?")
                .param(productId).query(Long.class).single();
    }

    /**
     * The units of settled orders, of every product. The units of holds awaiting payment are left
     * out: the hold expiry frees those of lapsed holds at any moment, whichever test left them (and a
     * request that took a hold shows as an order).
     */
    protected long settledUnits() {
        return jdbc.sql("""
                SELECT count(*) FROM order_units u JOIN orders o ON o.id = u.order_id
                WHERE o.status <> 'awaiting_payment'""")
                .query(Long.class).single();
    }

    /**
     * The Redis keys a request about these sales could have written: every key but those of other
     * sales, which background work (hold expiry, repair) may change at any moment.
     */
    protected Set<String> redisKeysBesideOtherSales(UUID... sales) {
        List<String> ours = Stream.of(sales).map(sale -> "fs:{" + sale).toList();
        return redis.keys("*").stream()
                .filter(key -> !key.startsWith("fs:{") || ours.stream().anyMatch(key::startsWith))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    protected int soldQuantity(UUID productId) {
        return jdbc.sql("SELECT sold_quantity FROM products WHERE id = ?")
                .param(productId).query(Integer.class).single();
    }

    protected int totalQuantity(UUID productId) {
        return jdbc.sql("SELECT total_quantity FROM products WHERE id = ?")
                .param(productId).query(Integer.class).single();
    }

    /** Order inserts PostgreSQL is running right now (a writer held by a test's slow trigger shows here). */
    protected long orderInsertsInProgress() {
        return jdbc.sql("""
                SELECT count(*) FROM pg_stat_activity
                WHERE state = 'active' AND query LIKE '%INSERT INTO orders%' AND pid <> pg_backend_pid()""")
                .query(Long.class).single();
    }

    /**
     * I1, I2 and, once quiet, I5 for one product: no unit sold twice or beyond the stock, one
     * completed order per user within the limit, the sold counter and Redis stock converged.
     */
    protected void assertInvariantsHold(UUID productId) {
        int total = totalQuantity(productId);
        int limit = jdbc.sql("SELECT per_user_limit FROM products WHERE id = ?").param(productId).query(Integer.class).single();
        long quantity = completedQuantity(productId);
        // I1: within the stock, and each unit held once, numbered within the stock
        assertThat(quantity).as("I1 completed quantity <= total").isLessThanOrEqualTo(total);
        assertThat(orderUnits(productId)).as("I1 one unit row per unit sold").isEqualTo(quantity);
        assertThat(jdbc.sql("SELECT count(*) FROM order_units WHERE product_id = ? AND (unit_no < 1 OR unit_no > ?)")
                .params(productId, total).query(Long.class).single()).as("I1 units within stock").isZero();
        // I2: one completed order per user, within the limit
        assertThat(distinctBuyers(productId)).as("I2 one order per user").isEqualTo(completedOrders(productId));
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE product_id = ? AND quantity > ?")
                .params(productId, limit).query(Long.class).single()).as("I2 within limit").isZero();
        // I5: converges once quiet
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(soldQuantity(productId)).as("I5 sold_quantity").isEqualTo((int) completedQuantity(productId));
            assertThat(redisPending(productId)).as("I4 nothing pending once quiet").isZero();
            assertThat(redisStock(productId)).as("I5 Redis stock").isEqualTo(total - (int) completedQuantity(productId));
        });
        // and the audit agrees
        JsonNode audit = audit(productId);
        assertThat(audit.path("allHold").asBoolean()).as(audit.toString()).isTrue();
    }

    /** The admin audit of one product (Redis and PostgreSQL side by side, invariant verdicts). */
    protected JsonNode audit(UUID productId) {
        Api.Reply reply = api.get("/api/v1/admin/audit/" + productId, Api.admin());
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.data();
    }
}
