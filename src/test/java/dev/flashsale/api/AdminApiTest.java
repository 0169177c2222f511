package dev.flashsale.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.flashsale.identity.Tokens;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

class AdminApiTest extends IntegrationTest {

    @Autowired
    Tokens tokens;

    @Test
    void anAdminCreatesASaleWhoseStockIsLiveAtOnce() {
        Api.Reply created = api.post("/api/v1/admin/products", """
                {"name":"Console","description":"Limited edition","price":499.00,"totalQuantity":25,
                 "perUserLimit":2,"saleStartAt":"2030-01-01T10:00:00Z","saleEndAt":"2030-01-01T11:00:00Z"}""",
                Api.admin());

        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        UUID id = UUID.fromString(created.data().path("id").asString());
        assertThat(created.data().path("name").asString()).isEqualTo("Console");
        assertThat(created.data().path("price").decimalValue()).isEqualByComparingTo("499.00");
        assertThat(created.data().path("perUserLimit").asInt()).isEqualTo(2);
        assertThat(created.data().path("availableQuantity").asInt()).isEqualTo(25);
        assertThat(created.data().path("status").asString()).isEqualTo("upcoming");
        assertThat(redisStock(id)).isEqualTo(25);
        assertThat(redis.opsForHash().get("fs:{" + id + "}:sale", "limit")).isEqualTo("2");

        assertThat(api.get("/api/v1/admin/products/" + id, Api.admin()).data().path("totalQuantity").asInt()).isEqualTo(25);
        assertThat(api.get("/api/v1/admin/products?limit=500", Api.admin()).text()).contains(id.toString());
        assertThat(api.get("/api/v1/admin/products/" + UUID.randomUUID(), Api.admin()).code()).isEqualTo("PRODUCT_NOT_FOUND");
    }

    @Test
    void theDefaultLimitIsOneAndTheDefaultWindowOpensNowForADay() {
        Api.Reply created = api.post("/api/v1/admin/products",
                "{\"name\":\"Plain\",\"price\":5,\"totalQuantity\":3}", Api.admin());

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.data().path("perUserLimit").asInt()).isEqualTo(1);
        assertThat(created.data().path("status").asString()).isEqualTo("active");
        Instant start = Instant.parse(created.data().path("saleStartAt").asString());
        Instant end = Instant.parse(created.data().path("saleEndAt").asString());
        assertThat(Duration.between(start, end)).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void raisingTheStockMidSaleAddsToTheLiveStockAtomically() {
        UUID id = liveProduct(5, 1);
        for (int i = 0; i < 5; i++) {
            assertThat(buy(id, "first-" + i).status()).isEqualTo(201);
        }
        assertThat(buy(id, "late").code()).isEqualTo("SOLD_OUT");

        Api.Reply raised = api.patch("/api/v1/admin/products/" + id, "{\"totalQuantity\":8}", Api.admin());

        assertThat(raised.status()).as(raised.toString()).isEqualTo(200);
        assertThat(raised.data().path("totalQuantity").asInt()).isEqualTo(8);
        assertThat(raised.data().path("availableQuantity").asInt()).isEqualTo(3);
        assertThat(totalQuantity(id)).isEqualTo(8);
        assertThat(buy(id, "late").status()).isEqualTo(201);
        assertInvariantsHold(id);
    }

    @Test
    void loweringTheStockBelowWhatIsSoldIsRefusedAndChangesNothing() {
        UUID id = liveProduct(10, 1);
        for (int i = 0; i < 4; i++) {
            assertThat(buy(id, "buyer-" + i).status()).isEqualTo(201);
        }

        Api.Reply refused = api.patch("/api/v1/admin/products/" + id, "{\"totalQuantity\":3}", Api.admin());

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.code()).isEqualTo("STOCK_BELOW_SOLD");
        assertThat(totalQuantity(id)).isEqualTo(10);
        assertThat(redisStock(id)).isEqualTo(6);

        Api.Reply lowered = api.patch("/api/v1/admin/products/" + id, "{\"totalQuantity\":4}", Api.admin());
        assertThat(lowered.status()).as(lowered.toString()).isEqualTo(200);
        assertThat(redisStock(id)).isZero();
        assertThat(buy(id, "one-more").code()).isEqualTo("SOLD_OUT");
        assertInvariantsHold(id);
    }

    @Test
    void changingTheWindowTakesEffectOnTheHotPathAtOnce() {
        UUID id = liveProduct(5, 1);
        Instant start = Instant.now().plus(Duration.ofHours(1));

        Api.Reply moved = api.patch("/api/v1/admin/products/" + id,
                "{\"saleStartAt\":\"" + start + "\",\"saleEndAt\":\"" + start.plus(Duration.ofHours(1)) + "\","
                        + "\"price\":25.50,\"name\":\"Renamed\",\"perUserLimit\":2}", Api.admin());

        assertThat(moved.status()).as(moved.toString()).isEqualTo(200);
        assertThat(moved.data().path("status").asString()).isEqualTo("upcoming");
        assertThat(buy(id, "eager").code()).isEqualTo("SALE_NOT_STARTED");
        assertThat(status(id).path("productName").asString()).isEqualTo("Renamed");
        assertThat(status(id).path("price").decimalValue()).isEqualByComparingTo("25.50");
        assertThat(redis.opsForHash().get("fs:{" + id + "}:sale", "limit")).isEqualTo("2");
    }

    @Test
    void aWindowThatEndsBeforeItStartsIsRefused() {
        UUID id = liveProduct(5, 1);

        Api.Reply refused = api.patch("/api/v1/admin/products/" + id,
                "{\"saleEndAt\":\"2000-01-01T00:00:00Z\"}", Api.admin());

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(status(id).path("status").asString()).isEqualTo("active");
    }

    @Test
    void aTokenWithTheAdminRoleIsAdminAndAUserTokenIsNot() {
        String admin = tokens.issue("ops-1", List.of("admin"), Duration.ofMinutes(5));
        String user = tokens.issue("shopper-1", List.of(), Duration.ofMinutes(5));

        assertThat(api.get("/api/v1/admin/products", "Authorization", "Bearer " + admin).status()).isEqualTo(200);
        Api.Reply denied = api.get("/api/v1/admin/products", "Authorization", "Bearer " + user);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.code()).isEqualTo("FORBIDDEN");
    }

    @Test
    void theSeedsFrontEndPathForCreatingProductsWorksToo() {
        Api.Reply created = api.post("/api/v1.0/sale/admin/products",
                "{\"name\":\"Seed\",\"price\":49.99,\"totalQuantity\":200,\"status\":\"active\"}", Api.admin());

        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.data().path("id").asString()).isNotBlank();
    }

    @Test
    void theOutboxBacklogIsVisible() {
        Api.Reply backlog = api.get("/api/v1/admin/outbox", Api.admin());

        assertThat(backlog.status()).isEqualTo(200);
        assertThat(backlog.data().has("pending")).isTrue();
        assertThat(backlog.data().has("deadLetters")).isTrue();
        assertThat(backlog.data().has("byStatus")).isTrue();
    }
}
