package dev.flashsale.api;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of bad input gets a clear 4xx problem and writes nothing, in Redis or PostgreSQL. */
class BadInputTest extends IntegrationTest {

    private static final String PRODUCT = "{{product}}";
    private UUID product;

    @BeforeEach
    void aLiveProductWithALimitOfOne() {
        product = liveProduct(5, 1);
    }

    static Stream<Arguments> badPurchases() {
        return Stream.of(
                Arguments.of("malformed JSON", "{\"productId\":", "alice", 400, "MALFORMED_REQUEST"),
                Arguments.of("empty body", "", "alice", 400, "MALFORMED_REQUEST"),
                Arguments.of("a JSON array", "[]", "alice", 400, "MALFORMED_REQUEST"),
                Arguments.of("missing productId", "{}", "alice", 400, "VALIDATION_FAILED"),
                Arguments.of("null productId", "{\"productId\":null}", "alice", 400, "VALIDATION_FAILED"),
                Arguments.of("productId not a UUID", "{\"productId\":\"not-a-uuid\"}", "alice", 400, "VALIDATION_FAILED"),
                Arguments.of("productId a number", "{\"productId\":42}", "alice", 400, "VALIDATION_FAILED"),
                Arguments.of("productId an object", "{\"productId\":{}}", "alice", 400, "VALIDATION_FAILED"),
                Arguments.of("quantity zero", body(0), "alice", 400, "VALIDATION_FAILED"),
                Arguments.of("quantity negative", body(-3), "alice", 400, "VALIDATION_FAILED"),
                Arguments.of("quantity huge", body(1_000_000), "alice", 400, "VALIDATION_FAILED"),
                Arguments.of("quantity a fraction", "{\"productId\":\"" + PRODUCT + "\",\"quantity\":1.5}", "alice", 400, "VALIDATION_FAILED"),
                Arguments.of("quantity a word", "{\"productId\":\"" + PRODUCT + "\",\"quantity\":\"two\"}", "alice", 400, "VALIDATION_FAILED"),
                Arguments.of("quantity above the per-user limit", body(2), "alice", 400, "QUANTITY_ABOVE_LIMIT"),
                Arguments.of("unknown product", "{\"productId\":\"" + UUID.randomUUID() + "\"}", "alice", 404, "PRODUCT_NOT_FOUND"),
                Arguments.of("no identity", body(1), null, 401, "UNAUTHENTICATED"),
                Arguments.of("identity with spaces", body(1), "alice smith", 401, "UNAUTHENTICATED"),
                Arguments.of("identity too long", body(1), "a".repeat(129), 401, "UNAUTHENTICATED"),
                Arguments.of("oversized body", "{\"productId\":\"" + PRODUCT + "\",\"pad\":\"" + "x".repeat(20_000) + "\"}", "alice", 413, "PAYLOAD_TOO_LARGE"));
    }

    @ParameterizedTest(name = "{0} -> {3} {4}")
    @MethodSource("badPurchases")
    void aBadPurchaseGetsAClearProblemAndWritesNothing(String what, String body, String user, int status, String code) {
        Snapshot before = snapshot();

        Api.Reply reply = user == null
                ? api.post("/api/v1/sale/purchase", body.replace(PRODUCT, product.toString()))
                : api.post("/api/v1/sale/purchase", body.replace(PRODUCT, product.toString()), Api.user(user));

        assertProblem(reply, status, code);
        snapshot().assertNothingWrittenSince(before);
    }

    static Stream<Arguments> otherBadRequests() {
        String purchase = "/api/v1/sale/purchase";
        return Stream.of(
                Arguments.of("purchase as text/plain", "POST", purchase, "productId=" + PRODUCT,
                        new String[] {"X-User-Id", "alice", "Content-Type", "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
                Arguments.of("purchase with GET", "GET", purchase, null,
                        new String[] {"X-User-Id", "alice"}, 405, "METHOD_NOT_ALLOWED"),
                Arguments.of("status of a non-UUID", "GET", "/api/v1/sale/status/abc", null,
                        new String[0], 400, "VALIDATION_FAILED"),
                Arguments.of("status of an unknown product", "GET", "/api/v1/sale/status/" + UUID.randomUUID(), null,
                        new String[0], 404, "PRODUCT_NOT_FOUND"),
                Arguments.of("user status without productId", "GET", "/api/v1/sale/user/status", null,
                        new String[] {"X-User-Id", "alice"}, 400, "VALIDATION_FAILED"),
                Arguments.of("user status with a bad productId", "GET", "/api/v1/sale/user/status?productId=42", null,
                        new String[] {"X-User-Id", "alice"}, 400, "VALIDATION_FAILED"),
                Arguments.of("user status without identity", "GET", "/api/v1/sale/user/status?productId=" + PRODUCT, null,
                        new String[0], 401, "UNAUTHENTICATED"),
                Arguments.of("an unknown path", "GET", "/api/v1/nothing-here", null, new String[0], 404, "NOT_FOUND"),
                Arguments.of("a bad bearer token", "POST", purchase, body(1),
                        new String[] {"Authorization", "Bearer not.a.token", "Content-Type", "application/json"},
                        401, "UNAUTHENTICATED"),
                Arguments.of("a wrong admin key", "GET", "/api/v1/admin/products", null,
                        new String[] {"X-Admin-Key", "wrong-key-wrong-key"}, 401, "UNAUTHENTICATED"),
                Arguments.of("admin without credential", "GET", "/api/v1/admin/products", null,
                        new String[0], 401, "UNAUTHENTICATED"),
                Arguments.of("admin as a plain user", "GET", "/api/v1/admin/products", null,
                        new String[] {"X-User-Id", "mallory"}, 403, "FORBIDDEN"));
    }

    /** The hot path answers sold-out attempts early; a bad one must still get its own problem. */
    @ParameterizedTest(name = "sold out, {0} -> {3} {4}")
    @MethodSource("badPurchases")
    void aBadPurchaseOfASoldOutProductGetsTheSameProblem(String what, String body, String user, int status, String code) {
        product = liveProduct(1, 1);
        assertThat(buy(product, "the-one").status()).isEqualTo(201);
        assertThat(buy(product, "too-late").code()).isEqualTo("SOLD_OUT");
        Snapshot before = snapshot();

        Api.Reply reply = user == null
                ? api.post("/api/v1/sale/purchase", body.replace(PRODUCT, product.toString()))
                : api.post("/api/v1/sale/purchase", body.replace(PRODUCT, product.toString()), Api.user(user));

        assertProblem(reply, status, code);
        snapshot().assertNothingWrittenSince(before);
    }

    @ParameterizedTest(name = "{0} -> {5} {6}")
    @MethodSource("otherBadRequests")
    void otherBadRequestsGetAClearProblemAndWriteNothing(String what, String method, String path, String body,
                                                         String[] headers, int status, String code) {
        Snapshot before = snapshot();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + path.replace(PRODUCT, product.toString())))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.replace(PRODUCT, product.toString())));

        Api.Reply reply = api.send(request, headers);

        assertProblem(reply, status, code);
        snapshot().assertNothingWrittenSince(before);
    }

    static Stream<Arguments> badProducts() {
        return Stream.of(
                Arguments.of("no name", "{\"price\":1,\"totalQuantity\":5}"),
                Arguments.of("blank name", "{\"name\":\"  \",\"price\":1,\"totalQuantity\":5}"),
                Arguments.of("negative price", "{\"name\":\"x\",\"price\":-1,\"totalQuantity\":5}"),
                Arguments.of("three decimals", "{\"name\":\"x\",\"price\":1.005,\"totalQuantity\":5}"),
                Arguments.of("no stock", "{\"name\":\"x\",\"price\":1,\"totalQuantity\":0}"),
                Arguments.of("limit zero", "{\"name\":\"x\",\"price\":1,\"totalQuantity\":5,\"perUserLimit\":0}"),
                Arguments.of("end before start", "{\"name\":\"x\",\"price\":1,\"totalQuantity\":5,"
                        + "\"saleStartAt\":\"2030-01-02T00:00:00Z\",\"saleEndAt\":\"2030-01-01T00:00:00Z\"}"),
                Arguments.of("a date that is not one", "{\"name\":\"x\",\"price\":1,\"totalQuantity\":5,\"saleStartAt\":\"tomorrow\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badProducts")
    void aBadProductIsRefusedAndNothingIsCreated(String what, String body) {
        Snapshot before = snapshot();

        Api.Reply reply = api.post("/api/v1/admin/products", body, Api.admin());

        assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
        assertThat(reply.code()).isIn("VALIDATION_FAILED", "MALFORMED_REQUEST");
        snapshot().assertNothingWrittenSince(before);
    }

    private static String body(int quantity) {
        return "{\"productId\":\"" + PRODUCT + "\",\"quantity\":" + quantity + "}";
    }

    private static void assertProblem(Api.Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.json().path("success").asBoolean(true)).isFalse();
        assertThat(reply.code()).isEqualTo(code);
        assertThat(reply.json().path("error").asString()).isNotBlank();
        assertThat(reply.json().path("status").asInt()).isEqualTo(status);
    }

    /**
     * What a request could have written: row counts (units of settled orders only, see
     * {@link #settledUnits()}), the product's state in Redis and the Redis keys outside other sales.
     */
    private record Snapshot(long orders, long units, long publications, long products, int stock, long buyers,
                            long pending, Set<String> redisKeys) {

        void assertNothingWrittenSince(Snapshot before) {
            assertThat(this).as("nothing written").usingRecursiveComparison().ignoringFields("redisKeys").isEqualTo(before);
            assertThat(redisKeys).as("no Redis key written").isSubsetOf(before.redisKeys);
        }
    }

    private Snapshot snapshot() {
        return new Snapshot(
                jdbc.sql("SELECT count(*) FROM orders").query(Long.class).single(),
                settledUnits(),
                jdbc.sql("SELECT count(*) FROM event_publication").query(Long.class).single(),
                jdbc.sql("SELECT count(*) FROM products").query(Long.class).single(),
                redisStock(product), redisBuyers(product), redisPending(product),
                redisKeysBesideOtherSales(product));
    }
}
