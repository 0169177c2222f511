package dev.flashsale.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.Contract;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The served OpenAPI as a reader of Swagger UI meets it: each operation once, in three groups, with its ways in. */
class OpenApiDocumentTest extends IntegrationTest {

    private static final String UUID_V7 = "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private record Op(String method, String path, JsonNode operation) {
    }

    private JsonNode document() {
        Api.Reply reply = api.get(Contract.SPEC_PATH);
        assertThat(reply.status()).isEqualTo(200);
        return reply.json();
    }

    private static List<Op> operations(JsonNode document) {
        List<Op> ops = new ArrayList<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().stream()
                .filter(method -> METHODS.contains(method.getKey()))
                .forEach(method -> ops.add(new Op(method.getKey(), path.getKey(), method.getValue()))));
        return ops;
    }

    @Test
    void listsEachOperationOnceUnderItsCanonicalPath() {
        List<Op> ops = operations(document());
        assertThat(ops).hasSizeGreaterThan(20);
        assertThat(ops).noneMatch(op -> op.path().startsWith("/api/v1.0/") || op.path().startsWith("/api/v1/sale/admin/"));
        Set<String> seen = new HashSet<>();
        for (Op op : ops) {
            assertThat(seen.add(op.method() + " " + Contract.canonical(op.path()))).as(op.method() + " " + op.path()).isTrue();
        }
        List<String> ids = ops.stream().map(op -> op.operation().path("operationId").asString()).toList();
        assertThat(ids).doesNotHaveDuplicates().noneMatch(id -> id.matches(".*_\\d+"));
        // the same summary twice would be an alias that slipped through under another spelling
        assertThat(ops.stream().map(op -> op.method() + " " + op.operation().path("summary").asString()).toList())
                .doesNotHaveDuplicates();
    }

    @Test
    void groupsOperationsAsShopAdminAndOperations() {
        JsonNode document = document();
        List<String> tags = new ArrayList<>();
        document.path("tags").forEach(tag -> tags.add(tag.path("name").asString()));
        assertThat(tags).containsExactly("Shop", "Admin", "Operations");
        Map<String, String> expected = Map.of(
                "post /api/v1/sale/purchase", "Shop", "get /api/v1/session", "Shop",
                "post /api/v1/admin/products", "Admin", "get /api/v1/admin/audit-log", "Admin",
                "post /api/v1/admin/reconciler/run", "Operations", "get /api/v1/admin/outbox", "Operations");
        for (Op op : operations(document)) {
            List<String> its = new ArrayList<>();
            op.operation().path("tags").forEach(tag -> its.add(tag.asString()));
            assertThat(its).as(op.method() + " " + op.path()).hasSize(1).isSubsetOf(tags);
            String want = expected.get(op.method() + " " + op.path());
            if (want != null) {
                assertThat(its).containsExactly(want);
            }
        }
    }

    @Test
    void statesEveryWayToCallAndShowsRealExamples() {
        JsonNode document = document();
        JsonNode schemes = document.path("components").path("securitySchemes");
        assertThat(schemes.path("bearer").path("scheme").asString()).isEqualTo("bearer");
        assertThat(schemes.path("adminKey").path("name").asString()).isEqualTo("X-Admin-Key");
        assertThat(schemes.path("sessionCookie").path("in").asString()).isEqualTo("cookie");
        assertThat(schemes.path("sessionCookie").path("name").asString()).isEqualTo("flashsale_session");
        // the tests' configuration switches the trusted header on
        assertThat(schemes.path("userHeader").path("name").asString()).isEqualTo("X-User-Id");

        JsonNode purchase = document.path("paths").path("/api/v1/sale/purchase").path("post");
        List<String> ways = new ArrayList<>();
        purchase.path("security").forEach(requirement -> ways.addAll(requirement.propertyNames()));
        assertThat(ways).contains("bearer", "sessionCookie", "userHeader");

        for (Op op : operations(document)) {
            op.operation().path("parameters").forEach(parameter -> {
                if ("uuid".equals(parameter.path("schema").path("format").asString(""))) {
                    assertThat(parameter.path("example").asString("")).as(op.path() + " " + parameter.path("name"))
                            .matches(UUID_V7);
                }
            });
        }
        JsonNode create = document.path("components").path("schemas").path("CreateProductRequest").path("properties");
        assertThat(create.path("name").path("example").asString()).isEqualTo("Demo drop: limited sneakers");
        assertThat(document.path("components").path("schemas").path("PurchaseRequest").path("properties")
                .path("productId").path("example").asString("")).matches(UUID_V7);
    }

    /** The aliases are served and their answers held to the canonical operation, not left unchecked. */
    @Test
    void anAliasAnswersAsItsCanonicalOperationAndIsValidatedAgainstIt() {
        UUID product = liveProduct(2, 1);
        Api.Reply alias = api.get("/api/v1.0/sale/status/" + product);
        assertThat(alias.status()).isEqualTo(200);
        assertThat(alias.data().path("productId").asString()).isEqualTo(product.toString());
        assertThat(api.get("/api/v1/sale/admin/products/" + product, Api.admin()).status()).isEqualTo(200);

        assertThatThrownBy(() -> Contract.assertConforms(port, "GET", "/api/v1.0/sale/status/" + product, 200,
                "application/json", Map.of(), "{\"success\": true, \"data\": {\"unexpected\": 1}}"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("/api/v1.0/sale/status/");
    }
}
