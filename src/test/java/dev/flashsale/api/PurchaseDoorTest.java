package dev.flashsale.api;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

import dev.flashsale.FlashSaleApplication;
import dev.flashsale.identity.Tokens;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One purchase door: the same requests (good, bad, sold out, already bought, wrong types,
 * unknown fields, no identity...) sent to this instance, whose hot path answers what it can, and
 * to a second one with {@code flashsale.hot-path.enabled=false}, get the same status, body and
 * headers. Each instance sells products of its own, so both start from the same state.
 */
class PurchaseDoorTest extends IntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Headers a client or a cache acts on; Date, Content-Length and Connection are the transport's. */
    private static final List<String> COMPARED_HEADERS = List.of("Content-Type", "Cache-Control", "Pragma", "Expires",
            "X-Content-Type-Options", "X-Frame-Options", "X-XSS-Protection", "Strict-Transport-Security",
            "Content-Security-Policy", "Referrer-Policy", "Permissions-Policy", "Retry-After", "Vary",
            "WWW-Authenticate", "Set-Cookie", "traceparent");
    /** A trace of its own on every answer: compared by shape. */
    private static final Pattern TRACEPARENT = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    /** Fields whose values are new on every order. */
    private static final List<String> VARYING_FIELDS = List.of("orderId", "id", "purchasedAt", "createdAt");

    private static ConfigurableApplicationContext withoutHotPath;

    @Autowired
    ApplicationContext context;

    @Autowired
    Tokens tokens;

    @BeforeAll
    static void startAnInstanceWithoutTheHotPath() {
        withoutHotPath = new SpringApplicationBuilder(FlashSaleApplication.class)
                .profiles("test")
                .properties("server.port=0", "flashsale.hot-path.enabled=false",
                        "spring.datasource.hikari.maximum-pool-size=5")
                .run();
    }

    @AfterAll
    static void stopIt() {
        if (withoutHotPath != null) {
            withoutHotPath.close();
        }
    }

    /** A sale of each kind a purchase can meet, on one instance. */
    private record Sales(UUID live, UUID lastUnit, UUID upcoming, UUID ended) {

        Map<String, String> names() {
            return Map.of(live.toString(), "<live>", lastUnit.toString(), "<lastUnit>",
                    upcoming.toString(), "<upcoming>", ended.toString(), "<ended>");
        }
    }

    private record Attempt(String name, String path, String contentType, String body, String... headers) {
    }

    @Test
    void theHotPathAnswersEveryPurchaseAttemptAsTheFullPathDoes() {
        assertThat(context.containsBean("hotPath")).as("this instance has the hot path").isTrue();
        assertThat(withoutHotPath.containsBean("hotPath")).as("the other has none").isFalse();

        Api fast = api;
        Api full = new Api(withoutHotPath.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
        Sales fastSales = sales();
        Sales fullSales = sales();
        String token = tokens.issue("door-token-user", List.of(), Duration.ofMinutes(5));
        UUID unknown = UUID.randomUUID();

        List<Function<Sales, Attempt>> attempts = attempts(token, unknown);
        List<String> differences = new ArrayList<>();
        for (Function<Sales, Attempt> attempt : attempts) {
            Attempt onFast = attempt.apply(fastSales);
            Api.Reply a = send(fast, onFast);
            Api.Reply b = send(full, attempt.apply(fullSales));
            Answer expected = Answer.of(b, fullSales);
            Answer actual = Answer.of(a, fastSales);
            if (!actual.equals(expected)) {
                differences.add(onFast.name() + "\n  hot path: " + actual + "\n  full path: " + expected);
            }
        }
        assertThat(differences).as("answers that differ").isEmpty();
    }

    private List<Function<Sales, Attempt>> attempts(String token, UUID unknown) {
        String json = "application/json";
        List<Function<Sales, Attempt>> attempts = new ArrayList<>();
        attempts.add(s -> new Attempt("a purchase", "/api/v1/sale/purchase", json, body(s.live()), Api.user("door-a")));
        attempts.add(s -> new Attempt("the same buyer again", "/api/v1/sale/purchase", json, body(s.live()),
                Api.user("door-a")));
        attempts.add(s -> new Attempt("again under /api/v1.0", "/api/v1.0/sale/purchase", json, body(s.live()),
                Api.user("door-a")));
        attempts.add(s -> new Attempt("a bearer token's buyer", "/api/v1/sale/purchase", json, body(s.live()),
                "Authorization", "Bearer " + token));
        attempts.add(s -> new Attempt("quantity null", "/api/v1/sale/purchase", json,
                "{\"productId\":\"" + s.live() + "\",\"quantity\":null}", Api.user("door-b")));
        attempts.add(s -> new Attempt("a charset in the type", "/api/v1/sale/purchase", "application/json;charset=UTF-8",
                body(s.live()), Api.user("door-c")));
        attempts.add(s -> new Attempt("the seed's userId, ignored", "/api/v1/sale/purchase", json,
                "{\"productId\":\"" + s.live() + "\",\"userId\":\"someone-else\"}", Api.user("door-d")));
        attempts.add(s -> new Attempt("a well-formed token on a sale that needs none", "/api/v1/sale/purchase", json,
                "{\"productId\":\"" + s.live() + "\",\"purchaseToken\":\"abcdefghijklmnop\"}", Api.user("door-e")));
        for (String quantity : List.of("2", "0", "-1", "1001", "2147483648", "1.5", "\"1\"", "true", "[1]", "{}", "1e0")) {
            attempts.add(s -> new Attempt("quantity " + quantity, "/api/v1/sale/purchase", json,
                    "{\"productId\":\"" + s.live() + "\",\"quantity\":" + quantity + "}", Api.user("door-q")));
        }
        for (String productId : List.of("\"not-a-uuid\"", "42", "null", "\"\"", "[]", "\"" + unknown + "\"",
                "\"" + unknown.toString().toUpperCase() + "\"")) {
            attempts.add(s -> new Attempt("productId " + productId, "/api/v1/sale/purchase", json,
                    "{\"productId\":" + productId + "}", Api.user("door-p")));
        }
        attempts.add(s -> new Attempt("an unknown field", "/api/v1/sale/purchase", json,
                "{\"productId\":\"" + s.live() + "\",\"color\":\"red\"}", Api.user("door-f")));
        attempts.add(s -> new Attempt("userId not text", "/api/v1/sale/purchase", json,
                "{\"productId\":\"" + s.live() + "\",\"userId\":7}", Api.user("door-f")));
        attempts.add(s -> new Attempt("a malformed token", "/api/v1/sale/purchase", json,
                "{\"productId\":\"" + s.live() + "\",\"purchaseToken\":\"short\"}", Api.user("door-f")));
        attempts.add(s -> new Attempt("a token not text", "/api/v1/sale/purchase", json,
                "{\"productId\":\"" + s.live() + "\",\"purchaseToken\":5}", Api.user("door-f")));
        for (String body : List.of("{}", "[]", "\"text\"", "{\"productId\":", "", "null")) {
            attempts.add(s -> new Attempt("body " + body, "/api/v1/sale/purchase", json, body, Api.user("door-f")));
        }
        attempts.add(s -> new Attempt("not JSON", "/api/v1/sale/purchase", "text/plain", body(s.live()),
                Api.user("door-f")));
        attempts.add(s -> new Attempt("no identity", "/api/v1/sale/purchase", json, body(s.live())));
        attempts.add(s -> new Attempt("a user id no user can have", "/api/v1/sale/purchase", json, body(s.live()),
                Api.user("no spaces allowed")));
        attempts.add(s -> new Attempt("a forged token", "/api/v1/sale/purchase", json, body(s.live()),
                "Authorization", "Bearer " + token.substring(0, token.length() - 2) + "xx"));
        attempts.add(s -> new Attempt("Basic credentials", "/api/v1/sale/purchase", json, body(s.live()),
                "Authorization", "Basic YWxpY2U6c2VjcmV0"));
        attempts.add(s -> new Attempt("the admin console", "/api/v1/sale/purchase", json, body(s.live()), Api.admin()));
        attempts.add(s -> new Attempt("a wrong admin key", "/api/v1/sale/purchase", json, body(s.live()),
                "X-Admin-Key", "not-the-admin-key-at-all", "X-User-Id", "door-g"));
        attempts.add(s -> new Attempt("the last unit", "/api/v1/sale/purchase", json, body(s.lastUnit()),
                Api.user("door-h")));
        for (String user : List.of("door-i", "door-i", "door-j")) {
            attempts.add(s -> new Attempt("sold out (" + user + ")", "/api/v1/sale/purchase", json,
                    body(s.lastUnit()), Api.user(user)));
        }
        attempts.add(s -> new Attempt("not started", "/api/v1/sale/purchase", json, body(s.upcoming()),
                Api.user("door-k")));
        attempts.add(s -> new Attempt("ended", "/api/v1/sale/purchase", json, body(s.ended()), Api.user("door-k")));
        return attempts;
    }

    private Sales sales() {
        Instant now = Instant.now();
        return new Sales(liveProduct(100, 1), liveProduct(1, 1),
                product(10, 1, now.plus(Duration.ofHours(1)), now.plus(Duration.ofHours(2))),
                product(10, 1, now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1))));
    }

    private static String body(UUID productId) {
        return "{\"productId\":\"" + productId + "\"}";
    }

    private static Api.Reply send(Api api, Attempt attempt) {
        return api.postAs(attempt.contentType(), attempt.path(), attempt.body(), attempt.headers());
    }

    /** What a client sees of an answer, with the instance's product ids named and per-order values blanked. */
    private record Answer(int status, Map<String, List<String>> headers, JsonNode body) {

        static Answer of(Api.Reply reply, Sales sales) {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String name : COMPARED_HEADERS) {
                List<String> values = reply.headers().allValues(name).stream()
                        .map(value -> value.replaceAll("//127\\.0\\.0\\.1:[0-9]+/", "//<host>/"))
                        .map(value -> TRACEPARENT.matcher(value).matches() ? "<a traceparent>" : value).toList();
                if (!values.isEmpty()) {
                    headers.put(name, values);
                }
            }
            String text = reply.text();
            for (var named : sales.names().entrySet()) {
                text = text.replace(named.getKey(), named.getValue());
            }
            JsonNode body = text.isEmpty() ? null : JSON.readTree(text);
            if (body != null && body.path("data").isObject()) {
                for (String field : VARYING_FIELDS) {
                    if (body.path("data").has(field)) {
                        ((ObjectNode) body.path("data")).put(field, "<varies>");
                    }
                }
            }
            if (body != null && TRACE_ID.matcher(body.path("traceId").asString("")).matches()) {
                ((ObjectNode) body).put("traceId", "<a trace id>");
            }
            return new Answer(reply.status(), headers, body);
        }
    }
}
