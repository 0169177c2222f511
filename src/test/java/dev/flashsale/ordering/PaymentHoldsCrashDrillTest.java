package dev.flashsale.ordering;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.flashsale.support.Api;
import dev.flashsale.support.AppProcess;
import dev.flashsale.support.PgBouncer;
import dev.flashsale.support.PrivateRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance killed with SIGKILL while it expires a burst of payment holds loses no unit and gives
 * none back twice. Two instances, each a process of its own, on a database and a Redis of the
 * drill's own: the test run's application context shares the run's database and runs the expiry,
 * so on that database it would take part in the drill; here the killed instance is the only one
 * that expires holds until it dies, and the survivor the only one after.
 *
 * <p>The kill is timed, not hoped for. The instance expires in batches of 20 (a burst of 300 due
 * holds takes many statements); once its first expirations are seen, Redis is paused for writes
 * (CLIENT PAUSE WRITE), so the instance, which has committed a batch of expirations in PostgreSQL,
 * stands still in front of giving their units back in Redis. It is killed there: orders expired in
 * PostgreSQL whose units Redis still holds, and orders still awaiting payment past their deadline,
 * are what it leaves. The survivor's expiry expires the latter; its reconciler gives back the
 * units of the former.
 */
class PaymentHoldsCrashDrillTest {

    private static final int UNITS = 300;
    private static final String WINDOW = "PT4S";

    private PgBouncer.Upstream server;
    private String database;
    private SingleConnectionDataSource connection;
    private JdbcClient db;
    private PrivateRedis redisServer;
    private RedisClient redisClient;
    private StatefulRedisConnection<String, String> redisConnection;
    private RedisCommands<String, String> redis;
    private final List<AppProcess> processes = new ArrayList<>();

    @BeforeEach
    void aDatabaseAndARedisOfTheDrillsOwn() {
        server = PgBouncer.Upstream.configured();
        database = "flashsale_holddrill_" + UUID.randomUUID().toString().substring(0, 8);
        server.direct().sql("CREATE DATABASE " + database).update();
        PgBouncer.Upstream own = new PgBouncer.Upstream(server.host(), server.port(), database, server.user());
        connection = new SingleConnectionDataSource(own.directUrl(), own.user(), "", true);
        db = JdbcClient.create(connection);
        redisServer = new PrivateRedis();
        redisServer.start();
        redisClient = RedisClient.create("redis://127.0.0.1:" + redisServer.port());
        redisConnection = redisClient.connect();
        redis = redisConnection.sync();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (AppProcess process : processes) {
            process.close();
        }
        if (redisClient != null) {
            redisClient.shutdown();
        }
        if (redisServer != null) {
            redisServer.stop();
        }
        if (connection != null) {
            connection.destroy();
        }
        server.direct().sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)").update();
    }

    @Test
    void anInstanceKilledWhileItExpiresABurstOfHoldsLosesNoUnitAndGivesNoneBackTwice(TestReporter reporter)
            throws Exception {
        int firstPort = AppProcess.freePort();
        AppProcess first = start(firstPort, "--flashsale.payments.expiry-batch=20");
        first.awaitHealthy(firstPort, Duration.ofSeconds(120));
        Api killed = new Api(firstPort);
        Api.Reply created = killed.post("/api/v1/admin/products", "{\"name\":\"hold crash drill\",\"price\":5,"
                + "\"totalQuantity\":" + UNITS + ",\"holdFor\":\"" + WINDOW + "\"}", Api.admin());
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        UUID product = UUID.fromString(created.data().path("id").asString());

        // 300 holds, one per buyer
        Map<String, Long> bought = outcomes(Api.concurrently(UNITS, 50,
                i -> killed.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}", Api.user("held-" + i))));
        assertThat(bought).as(bought.toString()).containsOnlyKeys("201");
        assertThat(count(product, "awaiting_payment") + count(product, "expired"))
                .as("every buyer's order committed, awaiting payment until its deadline").isEqualTo(UNITS);

        // the kill: when the first expirations are committed, Redis stops taking writes, and the
        // instance is killed while it waits to give the units of its batch back
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                .until(() -> count(product, "expired") > 0);
        pause();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> !expiredButHeld(product).isEmpty());
        first.kill();
        unpause();

        Set<UUID> leftHeld = expiredButHeld(product);
        long leftAwaiting = count(product, "awaiting_payment");
        long expiredAtKill = count(product, "expired");
        reporter.publishEntry("at the kill", expiredAtKill + " expired (" + leftHeld.size()
                + " of them with their units still held in Redis), " + leftAwaiting + " awaiting payment");
        // the drill's premise: the instance died in the middle of the burst, with work left behind
        assertThat(leftAwaiting).as("holds the killed instance did not get to").isPositive();
        assertThat(redisStock(product)).as("units back in Redis at the kill")
                .isEqualTo(UNITS - leftAwaiting - leftHeld.size());

        // the survivor: a new instance, default settings, the reconciler run by hand
        int secondPort = AppProcess.freePort();
        AppProcess second = start(secondPort);
        second.awaitHealthy(secondPort, Duration.ofSeconds(120));
        Api survivor = new Api(secondPort);

        // its expiry expires every order left awaiting past its deadline, and gives their units back
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(count(product, "awaiting_payment")).isZero();
            assertThat(redis.hlen(key(product, "holds"))).as("holds of orders left awaiting, given back")
                    .isEqualTo(expiredButHeld(product).size());
        });
        assertThat(count(product, "expired")).isEqualTo(UNITS);
        assertThat(db.sql("SELECT count(*) FROM orders WHERE product_id = ? AND updated_at < pay_by").param(product)
                .query(Long.class).single()).as("none expired before its deadline").isZero();
        assertThat(db.sql("SELECT count(*) FROM order_units WHERE product_id = ?").param(product).query(Long.class).single())
                .as("every expired order's unit rows are gone").isZero();

        // what the killed instance committed but did not give back: the reconciler settles it, once
        Set<UUID> stillHeld = expiredButHeld(product);
        assertThat(stillHeld).as("the killed instance's unfinished batch").isSubsetOf(leftHeld);
        JsonNode pass = reconcile(survivor);
        assertThat(pass.path("repairs").findValues("holdsSettled").stream().mapToInt(JsonNode::asInt).sum())
                .as(pass.toString()).isEqualTo(stillHeld.size());
        assertThat(redis.hlen(key(product, "holds"))).isZero();
        assertThat(redisStock(product)).as("every unit back, none twice").isEqualTo(UNITS);
        assertThat(redis.zcard(key(product, "free"))).as("every unit number free once").isEqualTo(UNITS);
        assertThat(redis.scard(key(product, "buyers"))).as("every buyer's place back").isZero();
        assertThat(redis.hlen(key(product, "pending"))).isZero();
        // a second pass finds nothing left to give back
        JsonNode again = reconcile(survivor);
        assertThat(again.path("repairs").findValues("holdsSettled").stream().mapToInt(JsonNode::asInt).sum()).isZero();
        assertThat(redisStock(product)).isEqualTo(UNITS);
        JsonNode audit = audit(survivor, product);
        assertThat(audit.path("allHold").asBoolean()).as(audit.toString()).isTrue();

        // the stock sells again, exactly: the first buyers (their places are back) and newcomers;
        // with a long window now, so that no hold of the resale expires while it is counted
        Api.Reply longer = survivor.patch("/api/v1/admin/products/" + product, "{\"holdFor\":\"PT10M\"}", Api.admin());
        assertThat(longer.status()).as(longer.toString()).isEqualTo(200);
        Map<String, Long> resale = outcomes(Api.concurrently(UNITS + 20, 50, i -> survivor.post("/api/v1/sale/purchase",
                "{\"productId\":\"" + product + "\"}", Api.user(i < UNITS ? "held-" + i : "newcomer-" + i))));
        assertThat(resale).as(resale.toString()).containsEntry("201", (long) UNITS).containsEntry("409 SOLD_OUT", 20L)
                .containsOnlyKeys("201", "409 SOLD_OUT");
        assertThat(db.sql("SELECT count(DISTINCT unit_no) FROM order_units WHERE product_id = ? AND unit_no BETWEEN 1 AND ?")
                .params(product, UNITS).query(Long.class).single()).isEqualTo(UNITS);
        assertThat(db.sql("""
                SELECT count(*) FROM orders
                WHERE product_id = ? AND status = 'awaiting_payment' AND pay_by = created_at + interval '10 minutes'""")
                .param(product).query(Long.class).single()).as("the resale's holds, on the new window").isEqualTo(UNITS);
        assertThat(redisStock(product)).isZero();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode after = audit(survivor, product);
            assertThat(after.path("allHold").asBoolean()).as(after.toString()).isTrue();
        });
        reporter.publishEntry("after", "resale " + resale + "; first pass settled " + stillHeld.size() + " holds");
    }

    /** An instance on the drill's database and Redis: the reconciler off (run by hand), no client limits. */
    private AppProcess start(int port, String... more) {
        List<String> settings = new ArrayList<>(List.of(
                "--server.port=" + port,
                "--spring.datasource.url=jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database,
                "--spring.datasource.username=" + server.user(),
                "--spring.datasource.hikari.maximum-pool-size=8",
                "--spring.data.redis.host=127.0.0.1",
                "--spring.data.redis.port=" + redisServer.port(),
                "--flashsale.security.trusted-header.enabled=true",
                "--flashsale.security.jwt-secret=hold-drill-secret-hold-drill-secret-0123456",
                "--flashsale.security.admin-key=" + Api.ADMIN_KEY,
                "--flashsale.limits.enabled=false",
                "--flashsale.reconciler.enabled=false"));
        settings.addAll(AppProcess.QUICK_OUTBOX_TAKEOVER);
        settings.addAll(List.of(more));
        AppProcess process = AppProcess.start(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), Map.of(),
                settings.toArray(String[]::new));
        processes.add(process);
        return process;
    }

    private long count(UUID product, String status) {
        return db.sql("SELECT count(*) FROM orders WHERE product_id = ? AND status = ?").params(product, status)
                .query(Long.class).single();
    }

    /** Orders PostgreSQL has expired whose units Redis still holds for them. */
    private Set<UUID> expiredButHeld(UUID product) {
        Set<UUID> held = redis.hkeys(key(product, "holds")).stream().map(UUID::fromString).collect(Collectors.toSet());
        if (held.isEmpty()) {
            return held;
        }
        return new HashSet<>(db.sql("SELECT id FROM orders WHERE id = ANY (?::uuid[]) AND status = 'expired'")
                .param(held.stream().map(UUID::toString).toArray(String[]::new)).query(UUID.class).list());
    }

    private int redisStock(UUID product) {
        String stock = redis.get(key(product, "stock"));
        return stock == null ? -1 : Integer.parseInt(stock);
    }

    private static String key(UUID product, String what) {
        return "fs:{" + product + "}:" + what;
    }

    /** Redis refuses writes (and runs no script) until unpaused; reads go on. */
    private void pause() {
        redis.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(10_000).add("WRITE"));
    }

    private void unpause() {
        redis.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"));
    }

    private static JsonNode reconcile(Api api) {
        Api.Reply pass = api.post("/api/v1/admin/reconciler/run", "", Api.admin());
        assertThat(pass.status()).as(pass.toString()).isEqualTo(200);
        assertThat(pass.data().path("ran").asBoolean()).as(pass.toString()).isTrue();
        assertThat(pass.data().path("errors").size()).as(pass.toString()).isZero();
        return pass.data();
    }

    private static JsonNode audit(Api api, UUID product) {
        Api.Reply reply = api.get("/api/v1/admin/audit/" + product, Api.admin());
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.data();
    }

    private static Map<String, Long> outcomes(List<Api.Reply> replies) {
        return replies.stream().collect(Collectors.groupingBy(
                r -> r.status() == 201 ? "201" : r.status() + " " + r.code(), LinkedHashMap::new, Collectors.counting()));
    }
}
