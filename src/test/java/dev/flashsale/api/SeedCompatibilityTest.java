package dev.flashsale.api;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the seed's React front end and k6 script send and read, under the seed's /api/v1.0. */
class SeedCompatibilityTest extends IntegrationTest {

    private static final String SEED = "/api/v1.0";

    @Test
    void theLoadTestDiscoversTheNewestSaleAtFirst() {
        UUID newest = liveProduct(10, 1);

        Api.Reply first = api.get(SEED + "/sale/first");

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().path("success").asBoolean()).isTrue();
        assertThat(first.data().path("productId").asString()).isEqualTo(newest.toString());
    }

    @Test
    void statusCarriesTheSeedsFieldsWithANumericPrice() {
        UUID product = liveProduct(10, 1);

        JsonNode data = api.get(SEED + "/sale/status/" + product).data();

        for (String field : new String[] {"productId", "productName", "status", "availableQuantity", "totalQuantity",
                "soldQuantity", "price", "saleStartAt", "saleEndAt"}) {
            assertThat(data.has(field)).as(field).isTrue();
        }
        assertThat(data.path("price").isNumber()).isTrue();
        assertThat(data.path("status").asString()).isEqualTo("active");
        assertThat(data.path("availableQuantity").asInt()).isEqualTo(10);
    }

    @Test
    void theLoadTestsPurchaseAndTheFrontEndsUserStatusWork() {
        UUID product = liveProduct(10, 1);

        // k6 sends the user in the header and in the body
        Api.Reply purchase = api.post(SEED + "/sale/purchase",
                "{\"productId\":\"" + product + "\",\"userId\":\"user-42\"}", "x-user-id", "user-42");
        Api.Reply status = api.get(SEED + "/sale/user/status?productId=" + product, "x-user-id", "user-42");

        assertThat(purchase.status()).isEqualTo(201);
        assertThat(purchase.data().path("orderId").asString()).isNotBlank();
        assertThat(status.data().path("hasPurchased").asBoolean()).isTrue();
        JsonNode order = status.data().path("order");
        assertThat(order.path("id").asString()).isEqualTo(purchase.data().path("orderId").asString());
        assertThat(order.path("quantity").asInt()).isEqualTo(1);
        assertThat(order.path("price").isNumber()).isTrue();
        assertThat(order.path("createdAt").asString()).isNotBlank();
        assertThat(api.get(SEED + "/sale/status/" + product).data().path("soldQuantity").asInt()).isEqualTo(1);
    }

    @Test
    void aUserWhoHasNotBoughtSeesNoOrder() {
        UUID product = liveProduct(10, 1);

        Api.Reply status = api.get("/api/v1/sale/user/status?productId=" + product, Api.user("window-shopper"));

        assertThat(status.status()).isEqualTo(200);
        assertThat(status.data().path("hasPurchased").asBoolean()).isFalse();
        assertThat(status.data().path("order").isNull()).isTrue();
    }

    @Test
    void theListShowsLiveAndUpcomingSalesButNotEndedOnes() {
        Instant now = Instant.now();
        UUID live = liveProduct(3, 1);
        UUID upcoming = product(3, 1, now.plus(Duration.ofDays(300)), now.plus(Duration.ofDays(301)));
        UUID ended = product(3, 1, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));

        // other tests' sales are in the list too: read it a page at a time, to its end
        StringBuilder list = new StringBuilder();
        for (int offset = 0; ; offset += 100) {
            Api.Reply page = api.get("/api/v1/sale/products?limit=100&offset=" + offset);
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            list.append(page.text());
            if (page.data().size() < 100) {
                break;
            }
        }

        assertThat(list.toString()).contains(live.toString()).contains(upcoming.toString()).doesNotContain(ended.toString());
    }

    @Test
    void theApiIsDocumentedWithEveryEndpoint() {
        Api.Reply spec = api.get("/api/docs/openapi");
        Api.Reply ui = api.get("/api/docs");

        assertThat(spec.status()).isEqualTo(200);
        JsonNode paths = spec.json().path("paths");
        for (String path : new String[] {"/api/v1/sale/status/{productId}", "/api/v1/sale/first", "/api/v1/sale/products",
                "/api/v1/sale/purchase", "/api/v1/sale/user/status", "/api/v1/admin/products",
                "/api/v1/admin/products/{id}", "/api/v1/admin/outbox", "/api/v1/admin/outbox/failed"}) {
            assertThat(paths.has(path)).as(path).isTrue();
        }
        JsonNode purchase = paths.path("/api/v1/sale/purchase").path("post").path("responses");
        for (String code : new String[] {"201", "400", "401", "403", "404", "409", "413", "503"}) {
            assertThat(purchase.has(code)).as("purchase documents " + code).isTrue();
        }
        assertThat(ui.status()).isIn(200, 302);
    }
}
