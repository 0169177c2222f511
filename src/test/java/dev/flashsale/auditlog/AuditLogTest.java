package dev.flashsale.auditlog;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.flashsale.identity.Tokens;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The admin audit log: one entry per admin action, with who, when, from where and before/after;
 * written with the change or not at all; kept by PostgreSQL against change; read newest first.
 * Each test acts from a loopback address of its own (127.0.0.x), so its entries are its own.
 */
@ExtendWith(OutputCaptureExtension.class)
class AuditLogTest extends IntegrationTest {

    /** Numbers as stored: a price of 19.90 stays 19.90. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    @Autowired
    Tokens tokens;

    record Entry(long id, String actor, String address, String action, String target, JsonNode before,
                 JsonNode after, String outcome) {
    }

    private List<Entry> entries(String where, Object... params) {
        return jdbc.sql("SELECT id, actor, source_address, action, target, before::text AS before, after::text AS after,"
                        + " outcome FROM admin_audit_log WHERE " + where + " ORDER BY id")
                .params(params)
                .query((rs, n) -> new Entry(rs.getLong("id"), rs.getString("actor"), rs.getString("source_address"),
                        rs.getString("action"), rs.getString("target"), tree(rs.getString("before")),
                        tree(rs.getString("after")), rs.getString("outcome")))
                .list();
    }

    private static JsonNode tree(String text) {
        return text == null ? null : JSON.readTree(text);
    }

    private long lastId() {
        return jdbc.sql("SELECT coalesce(max(id), 0) FROM admin_audit_log").query(Long.class).single();
    }

    private static String sessionToken(Api.Reply signIn) {
        assertThat(signIn.status()).as(signIn.toString()).isEqualTo(200);
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        return cookie.substring("flashsale_session=".length(), cookie.indexOf(';'));
    }

    private static UUID id(Api.Reply created) {
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return UUID.fromString(created.data().path("id").asString());
    }

    @Test
    void eachProductChangeIsOneEntryWithWhoFromWhereAndWhatChanged() {
        Api admin = Api.from("127.0.0.21", port, Duration.ofSeconds(30));
        // a forwarding header from a client that is no trusted proxy changes nothing
        UUID product = id(admin.post("/api/v1/admin/products", """
                {"name":"Audited","price":19.90,"totalQuantity":5,"perUserLimit":1,
                 "saleStartAt":"2030-01-01T10:00:00Z","saleEndAt":"2030-01-01T11:00:00Z"}""",
                "X-Admin-Key", Api.ADMIN_KEY, "X-Forwarded-For", "6.6.6.6"));
        String session = sessionToken(admin.post("/api/v1/session/admin", Api.json(Map.of("key", Api.ADMIN_KEY))));
        assertThat(admin.patch("/api/v1/admin/products/" + product, "{\"price\":25.50,\"name\":\"Audited 2\"}",
                Api.cookie(session)).status()).isEqualTo(200);
        String opsToken = tokens.issue("ops-7", List.of("admin"), Duration.ofMinutes(5));
        assertThat(admin.patch("/api/v1/admin/products/" + product, "{\"totalQuantity\":8}",
                "Authorization", "Bearer " + opsToken).status()).isEqualTo(200);

        List<Entry> log = entries("target = ?", product.toString());

        assertThat(log).extracting(Entry::action).containsExactly("product.create", "product.edit", "product.stock");
        assertThat(log).extracting(Entry::actor).containsExactly("admin key", "admin:console", "ops-7");
        assertThat(log).extracting(Entry::address).containsOnly("127.0.0.21");
        assertThat(log).extracting(Entry::outcome).containsOnly("ok");
        Entry created = log.get(0);
        assertThat(created.before()).isNull();
        assertThat(created.after().path("name").asString()).isEqualTo("Audited");
        assertThat(created.after().path("price").decimalValue()).isEqualByComparingTo("19.90");
        assertThat(created.after().path("totalQuantity").asInt()).isEqualTo(5);
        assertThat(created.after().path("saleStartAt").asString()).isEqualTo("2030-01-01T10:00:00Z");
        Entry edited = log.get(1);
        assertThat(JSON.writeValueAsString(edited.before())).isEqualTo("{\"name\":\"Audited\",\"price\":19.90}");
        assertThat(JSON.writeValueAsString(edited.after())).isEqualTo("{\"name\":\"Audited 2\",\"price\":25.50}");
        Entry stock = log.get(2);
        assertThat(JSON.writeValueAsString(stock.before())).isEqualTo("{\"totalQuantity\":5}");
        assertThat(JSON.writeValueAsString(stock.after())).isEqualTo("{\"totalQuantity\":8}");
        // the sign-in that made the session is there too, from the same address
        assertThat(entries("source_address = '127.0.0.21' AND id > ? AND action = 'admin.sign-in'", created.id()))
                .extracting(Entry::actor, Entry::outcome).containsExactly(tuple("admin:console", "ok"));
    }

    @Test
    void aRefusedChangeChangesNothingAndIsNotRecorded() {
        UUID product = liveProduct(10, 1);
        for (int i = 0; i < 4; i++) {
            assertThat(buy(product, "audited-buyer-" + i).status()).isEqualTo(201);
        }
        long before = lastId();

        Api.Reply belowSold = api.patch("/api/v1/admin/products/" + product, "{\"totalQuantity\":3}", Api.admin());
        Api.Reply badWindow = api.patch("/api/v1/admin/products/" + product,
                "{\"saleEndAt\":\"2000-01-01T00:00:00Z\"}", Api.admin());
        Api.Reply badPrice = api.patch("/api/v1/admin/products/" + product, "{\"price\":-1}", Api.admin());
        Api.Reply badCreate = api.post("/api/v1/admin/products", "{\"name\":\"\",\"price\":1,\"totalQuantity\":0}",
                Api.admin());

        assertThat(belowSold.status()).isEqualTo(409);
        assertThat(badWindow.status()).isEqualTo(400);
        assertThat(badPrice.status()).isEqualTo(400);
        assertThat(badCreate.status()).isEqualTo(400);
        assertThat(totalQuantity(product)).isEqualTo(10);
        assertThat(entries("target = ? AND id > ?", product.toString(), before)).isEmpty();
        assertThat(entries("id > ? AND action LIKE 'product.%'", before)).isEmpty();
    }

    /** The entry is written in the change's transaction: if PostgreSQL refuses the entry, the change is undone. */
    @Test
    void aChangeWhoseEntryCannotBeWrittenDoesNotHappen() {
        UUID product = liveProduct(5, 1);
        String name = "Unaudited " + UUID.randomUUID();
        refuseEntries("NEW.target = '" + product + "' OR NEW.after->>'name' = '" + name + "'");
        try {
            Api.Reply raised = api.patch("/api/v1/admin/products/" + product, "{\"totalQuantity\":9}", Api.admin());
            Api.Reply renamed = api.patch("/api/v1/admin/products/" + product, "{\"name\":\"Renamed\"}", Api.admin());
            Api.Reply created = api.post("/api/v1/admin/products",
                    Api.json(Map.of("name", name, "price", 1, "totalQuantity", 3)), Api.admin());

            for (Api.Reply reply : List.of(raised, renamed, created)) {
                assertThat(reply.status()).as(reply.toString()).isEqualTo(503);
                assertThat(reply.code()).isEqualTo("SERVICE_UNAVAILABLE");
            }
        } finally {
            stopRefusingEntries();
        }
        assertThat(totalQuantity(product)).isEqualTo(5);
        assertThat(redisStock(product)).as("the Redis stock change is undone").isEqualTo(5);
        assertThat(jdbc.sql("SELECT name FROM products WHERE id = ?").param(product).query(String.class).single())
                .startsWith("Test product");
        assertThat(jdbc.sql("SELECT count(*) FROM products WHERE name = ?").param(name).query(Long.class).single())
                .isZero();
        assertThat(entries("target = ? AND action <> 'product.create'", product.toString())).isEmpty();
        assertThat(buy(product, "after-refused-raise").status()).isEqualTo(201);
        assertInvariantsHold(product);
    }

    @Test
    void theDatabaseRefusesToChangeOrRemoveEntries() {
        UUID product = liveProduct(3, 1);
        long count = jdbc.sql("SELECT count(*) FROM admin_audit_log").query(Long.class).single();

        for (String sql : List.of(
                "UPDATE admin_audit_log SET actor = 'someone else' WHERE target = '" + product + "'",
                "UPDATE admin_audit_log SET after = NULL WHERE false",
                "DELETE FROM admin_audit_log WHERE target = '" + product + "'",
                "DELETE FROM admin_audit_log WHERE false",
                "TRUNCATE admin_audit_log")) {
            assertThatThrownBy(() -> jdbc.sql(sql).update()).as(sql).rootCause().hasMessageContaining("append-only");
        }

        assertThat(jdbc.sql("SELECT count(*) FROM admin_audit_log").query(Long.class).single()).isEqualTo(count);
        assertThat(entries("target = ?", product.toString())).extracting(Entry::actor).containsExactly("admin key");
    }

    @Test
    void adminSignInsAndWrongKeysAreRecordedWithTheAddressAndNeverTheKey() {
        Api client = Api.from("127.0.0.22", port, Duration.ofSeconds(30));
        long before = lastId();
        String wrongKey = "wrong-" + UUID.randomUUID();

        assertThat(client.post("/api/v1/session/admin", Api.json(Map.of("key", Api.ADMIN_KEY))).status()).isEqualTo(200);
        assertThat(client.post("/api/v1/session/admin", Api.json(Map.of("key", wrongKey))).status()).isEqualTo(401);
        assertThat(client.get("/api/v1/admin/products?limit=1", "X-Admin-Key", wrongKey).status()).isEqualTo(401);
        // reads with the right key are no admin action
        assertThat(client.get("/api/v1/admin/products?limit=1", Api.admin()).status()).isEqualTo(200);

        List<Entry> log = entries("source_address = '127.0.0.22' AND id > ?", before);
        assertThat(log).extracting(Entry::action, Entry::actor, Entry::outcome, Entry::target).containsExactly(
                tuple("admin.sign-in", "admin:console", "ok", null),
                tuple("admin.sign-in", "anonymous", "refused", null),
                tuple("admin.key", "anonymous", "refused", "GET /api/v1/admin/products"));
        assertThat(log.get(0).after().path("expiresAt").asString()).isNotBlank();
        assertThat(jdbc.sql("SELECT count(*) FROM admin_audit_log a WHERE a::text LIKE ?").param("%" + wrongKey + "%")
                .query(Long.class).single()).as("no key in the log").isZero();
    }

    /**
     * A refused key is answered 401 even when PostgreSQL does not take its entry (logged instead);
     * a sign-in whose entry cannot be written issues no session.
     */
    @Test
    void aRefusedKeyIsStill401WhenItsEntryCannotBeWrittenButNoSessionIsIssuedUnrecorded(CapturedOutput output) {
        Api client = Api.from("127.0.0.23", port, Duration.ofSeconds(30));
        long before = lastId();
        refuseEntries("NEW.source_address = '127.0.0.23'");
        try {
            Api.Reply wrongSignIn = client.post("/api/v1/session/admin", Api.json(Map.of("key", "wrong-key-for-the-test")));
            Api.Reply wrongHeader = client.get("/api/v1/admin/products?limit=1", "X-Admin-Key", "wrong-key-for-the-test");
            Api.Reply rightSignIn = client.post("/api/v1/session/admin", Api.json(Map.of("key", Api.ADMIN_KEY)));

            assertThat(wrongSignIn.status()).as(wrongSignIn.toString()).isEqualTo(401);
            assertThat(wrongHeader.status()).as(wrongHeader.toString()).isEqualTo(401);
            assertThat(rightSignIn.status()).as(rightSignIn.toString()).isEqualTo(503);
            assertThat(rightSignIn.headers().firstValue("Set-Cookie")).isEmpty();
        } finally {
            stopRefusingEntries();
        }
        assertThat(entries("source_address = '127.0.0.23' AND id > ?", before)).isEmpty();
        assertThat(output.getAll().lines()
                .filter(l -> l.contains("audit entry not recorded") && l.contains("address=127.0.0.23")))
                .hasSize(2)
                .allMatch(l -> l.contains("outcome=refused") && !l.contains("wrong-key-for-the-test"));
    }

    @Test
    void outboxRetriesAndReconcilerRunsAreRecordedWithTheirResult() {
        Api admin = Api.from("127.0.0.24", port, Duration.ofSeconds(120));
        long before = lastId();
        UUID noSuchDelivery = UUID.randomUUID();

        assertThat(admin.post("/api/v1/admin/outbox/failed/retry?id=" + noSuchDelivery, "", Api.admin()).status())
                .isEqualTo(202);
        Api.Reply run = admin.post("/api/v1/admin/reconciler/run", "", Api.admin());
        assertThat(run.status()).as(run.toString()).isEqualTo(200);

        List<Entry> log = entries("source_address = '127.0.0.24' AND id > ?", before);
        assertThat(log).extracting(Entry::action).containsExactly("outbox.retry", "reconciler.run");
        assertThat(log).extracting(Entry::actor).containsOnly("admin key");
        Entry retry = log.get(0);
        assertThat(retry.target()).isEqualTo(noSuchDelivery.toString());
        assertThat(retry.outcome()).isEqualTo("ok");
        assertThat(retry.after().path("resubmitted").asInt(-1)).isZero();
        Entry pass = log.get(1);
        assertThat(pass.outcome()).isEqualTo(run.data().path("errors").isEmpty() ? "ok" : "failed");
        assertThat(pass.after().path("ran").asBoolean()).isEqualTo(run.data().path("ran").asBoolean());
        assertThat(pass.after().path("products").asInt()).isEqualTo(run.data().path("products").asInt());
        assertThat(pass.after().path("errors").asInt()).isEqualTo(run.data().path("errors").size());
    }

    @Test
    void theLogReadsNewestFirstAPageAtATime() {
        Api client = Api.from("127.0.0.25", port, Duration.ofSeconds(30));
        long before = lastId();
        for (int i = 0; i < 5; i++) {
            assertThat(client.get("/api/v1/admin/products?limit=" + (i + 1), "X-Admin-Key", "wrong-key-" + i).status())
                    .isEqualTo(401);
        }
        List<Long> ours = entries("source_address = '127.0.0.25' AND id > ?", before).stream().map(Entry::id).toList();
        assertThat(ours).hasSize(5);

        // the newest page first, then older ones by the cursor, each page newest first
        List<JsonNode> seen = new ArrayList<>();
        String cursor = "";
        for (int page = 0; page < 50 && seen.stream().filter(e -> ours.contains(e.path("id").asLong())).count() < 5; page++) {
            Api.Reply reply = api.get("/api/v1/admin/audit-log?limit=2" + cursor, Api.admin());
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(reply.json().path("success").asBoolean()).isTrue();
            JsonNode entries = reply.data().path("entries");
            assertThat(entries.size()).isEqualTo(2);
            entries.forEach(seen::add);
            long next = reply.data().path("nextBefore").asLong();
            assertThat(next).isEqualTo(entries.get(1).path("id").asLong());
            cursor = "&before=" + next;
        }
        List<Long> ids = seen.stream().map(e -> e.path("id").asLong()).toList();
        assertThat(ids).isSortedAccordingTo(Comparator.reverseOrder()).doesNotHaveDuplicates();
        assertThat(ids.stream().filter(ours::contains).toList()).containsExactlyElementsOf(ours.reversed());
        JsonNode newestOfOurs = seen.stream().filter(e -> e.path("id").asLong() == ours.getLast()).findFirst().orElseThrow();
        assertThat(newestOfOurs.path("actor").asString()).isEqualTo("anonymous");
        assertThat(newestOfOurs.path("sourceAddress").asString()).isEqualTo("127.0.0.25");
        assertThat(newestOfOurs.path("action").asString()).isEqualTo("admin.key");
        assertThat(newestOfOurs.path("target").asString()).isEqualTo("GET /api/v1/admin/products");
        assertThat(newestOfOurs.path("outcome").asString()).isEqualTo("refused");
        assertThat(Instant.parse(newestOfOurs.path("at").asString())).isBefore(Instant.now().plusSeconds(1));
        assertThat(newestOfOurs.has("before") && newestOfOurs.path("before").isNull()).isTrue();

        // the oldest entry's page ends the log
        Api.Reply last = api.get("/api/v1/admin/audit-log?limit=200&before=2", Api.admin());
        assertThat(last.status()).isEqualTo(200);
        assertThat(last.data().path("entries").size()).isLessThanOrEqualTo(1);
        assertThat(last.data().path("nextBefore").isNull()).isTrue();
        assertThat(api.get("/api/v1/admin/audit-log", Api.admin()).data().path("entries").size()).isBetween(1, 50);
    }

    @ParameterizedTest
    @ValueSource(strings = {"limit=0", "limit=201", "limit=-1", "limit=abc", "before=0", "before=-5",
            "before=abc", "before=99999999999999999999"})
    void pageBoundsOutsideTheRangeAre400(String query) {
        Api.Reply reply = api.get("/api/v1/admin/audit-log?" + query, Api.admin());

        assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.code()).isEqualTo("VALIDATION_FAILED");
    }

    @Test
    void onlyAnAdminReadsTheLog() {
        String shopper = tokens.issue("curious-shopper", List.of(), Duration.ofMinutes(5));

        assertThat(api.get("/api/v1/admin/audit-log").status()).isEqualTo(401);
        assertThat(api.get("/api/v1/admin/audit-log", "X-Admin-Key", "not-the-admin-key").status()).isEqualTo(401);
        assertThat(api.get("/api/v1/admin/audit-log", Api.user("curious-shopper")).status()).isEqualTo(403);
        Api.Reply byToken = api.get("/api/v1/admin/audit-log", "Authorization", "Bearer " + shopper);
        assertThat(byToken.status()).isEqualTo(403);
        assertThat(byToken.code()).isEqualTo("FORBIDDEN");
        String session = sessionToken(api.post("/api/v1/session/admin", Api.json(Map.of("key", Api.ADMIN_KEY))));
        assertThat(api.get("/api/v1/admin/audit-log?limit=1", Api.cookie(session)).status()).isEqualTo(200);
        assertThat(api.get("/api/v1.0/admin/audit-log?limit=1", Api.admin()).status()).isEqualTo(200);
    }

    @Test
    void theLogIsInTheApiDescription() {
        JsonNode page = api.get("/api/docs/openapi").json().path("paths").path("/api/v1/admin/audit-log").path("get");

        assertThat(page.path("parameters").findValuesAsString("name")).containsExactlyInAnyOrder("before", "limit");
        assertThat(page.path("responses").propertyNames()).contains("200", "400", "401", "403");
        assertThat(page.path("security").toString()).contains("adminKey");
    }

    /** PostgreSQL refuses new entries matching {@code condition} (a test's own), as if it could not take them. */
    private void refuseEntries(String condition) {
        jdbc.sql("""
                CREATE OR REPLACE FUNCTION test_refuse_audit_entries() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF %s THEN
                        RAISE EXCEPTION 'audit entry refused by the test';
                    END IF;
                    RETURN NEW;
                END $$""".formatted(condition)).update();
        jdbc.sql("CREATE TRIGGER test_refuse_audit_entries BEFORE INSERT ON admin_audit_log FOR EACH ROW "
                + "EXECUTE FUNCTION test_refuse_audit_entries()").update();
    }

    private void stopRefusingEntries() {
        jdbc.sql("DROP TRIGGER IF EXISTS test_refuse_audit_entries ON admin_audit_log").update();
    }
}
