package dev.flashsale.identity;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin console is nobody's shopper identity, and one rule decides about the admin key on every path. */
class AdminIdentityTest extends IntegrationTest {

    @Autowired
    Tokens tokens;

    @Test
    void anAdminSessionBuysNothingAndSeesNoShoppersOrders() {
        UUID product = liveProduct(5, 1);
        String token = TokenLifecycleTest.token(api.post("/api/v1/session/admin", Api.json(Map.of("key", Api.ADMIN_KEY))));
        String body = "{\"productId\":\"" + product + "\"}";

        Api.Reply byCookie = api.post("/api/v1/sale/purchase", body, Api.cookie(token));
        Api.Reply byBearer = api.post("/api/v1/sale/purchase", body, "Authorization", "Bearer " + token);
        Api.Reply byKey = api.post("/api/v1/sale/purchase", body, Api.admin());
        Api.Reply orders = api.get("/api/v1/sale/user/orders", Api.cookie(token));
        // nor does it step through a gated sale's gate
        Api.Reply purchaseToken = api.post("/api/v1/sale/purchase-token", body, Api.cookie(token));
        Api.Reply challenge = api.get("/api/v1/sale/challenge/" + product, Api.admin());

        for (Api.Reply reply : List.of(byCookie, byBearer, byKey, orders, purchaseToken, challenge)) {
            assertThat(reply.status()).as(reply.toString()).isEqualTo(403);
            assertThat(reply.code()).isEqualTo("FORBIDDEN");
        }
        assertThat(redisBuyers(product)).isZero();
        assertThat(completedOrders(product)).isZero();
        assertThat(api.get("/api/v1/session", Api.cookie(token)).data().path("userId").asString())
                .isEqualTo("admin:console");
    }

    @Test
    void noShopperCanTakeTheAdminConsolesName() {
        UUID product = liveProduct(5, 1);
        String body = "{\"productId\":\"" + product + "\"}";

        Api.Reply byHeader = api.post("/api/v1/sale/purchase", body, Api.user("admin:console"));
        Api.Reply bySignIn = api.post("/api/v1/session", Api.json(Map.of("name", "admin:console")));
        Api.Reply asShopperNamedAdmin = api.get("/api/v1/admin/products", Api.user("admin"));

        assertThat(byHeader.status()).as(byHeader.toString()).isEqualTo(401);
        assertThat(bySignIn.status()).as(bySignIn.toString()).isEqualTo(400);
        assertThat(asShopperNamedAdmin.status()).isEqualTo(403);
        assertThat(redisBuyers(product)).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> tokens.issue("admin:console", List.of("admin"), Duration.ofMinutes(5)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A wrong admin key is refused whichever path would answer the purchase: the hot path (a plain
     * JSON body) or the full path (a media type the hot path leaves to Spring MVC).
     */
    @Test
    void aWrongAdminKeyIsRefusedOnTheHotPathAsOnTheFullPath() {
        UUID product = liveProduct(5, 1);
        String body = "{\"productId\":\"" + product + "\"}";
        String shopper = "keyed-" + UUID.randomUUID().toString().substring(0, 8);
        String token = tokens.issue(shopper, List.of(), Duration.ofMinutes(5));

        Api.Reply hot = api.post("/api/v1/sale/purchase", body,
                "Authorization", "Bearer " + token, "X-Admin-Key", "wrong-key-wrong-key");
        Api.Reply full = api.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/sale/purchase"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)),
                "Content-Type", "Application/JSON", "Authorization", "Bearer " + token,
                "X-Admin-Key", "wrong-key-wrong-key");

        assertThat(hot.status()).as(hot.toString()).isEqualTo(401);
        assertThat(full.status()).as(full.toString()).isEqualTo(401);
        assertThat(hot.code()).isEqualTo(full.code());
        assertThat(redisBuyers(product)).isZero();
        // without the key the full path's request buys: it is a purchase Spring MVC answers
        UUID other = liveProduct(5, 1);
        Api.Reply bought = api.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/sale/purchase"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"productId\":\"" + other + "\"}")),
                "Content-Type", "Application/JSON", "Authorization", "Bearer " + token);
        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
    }
}
