package dev.flashsale.api;

import java.util.List;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The web front end's sessions: sign-in, the cookie, and the same rules as bearer tokens. */
class WebSessionTest extends IntegrationTest {

    private static String token(Api.Reply signIn) {
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        return cookie.substring("flashsale_session=".length(), cookie.indexOf(';'));
    }

    @Test
    void aShopperSignsInByNameAndBuysWithTheCookie() {
        UUID product = liveProduct(3, 1);
        String user = "web-" + UUID.randomUUID().toString().substring(0, 8);

        Api.Reply signIn = api.post("/api/v1/session", Api.json(java.util.Map.of("name", user)));
        assertThat(signIn.status()).isEqualTo(200);
        assertThat(signIn.data().path("userId").asString()).isEqualTo(user);
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("flashsale_session=").contains("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=");

        Api.Reply me = api.get("/api/v1/session", Api.cookie(token(signIn)));
        assertThat(me.data().path("signedIn").asBoolean()).isTrue();
        assertThat(me.data().path("userId").asString()).isEqualTo(user);
        assertThat(me.data().path("admin").asBoolean()).isFalse();

        Api.Reply bought = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}", Api.cookie(token(signIn)));
        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        assertThat(bought.data().path("userId").asString()).isEqualTo(user);

        Api.Reply orders = api.get("/api/v1/sale/user/orders", Api.cookie(token(signIn)));
        assertThat(orders.status()).isEqualTo(200);
        assertThat(orders.data().size()).isEqualTo(1);
        assertThat(orders.data().get(0).path("orderId").asString()).isEqualTo(bought.data().path("orderId").asString());
        assertThat(orders.data().get(0).path("productName").asString()).isNotBlank();
        assertThat(api.get("/api/v1/sale/user/orders", Api.user(user + "-other")).data().size()).isZero();
        assertInvariantsHold(product);
    }

    @Test
    void aForgedOrExpiredCookieLeavesTheCallerAnonymous() {
        UUID product = liveProduct(3, 1);
        String forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5Iiwicm9sZXMiOlsiYWRtaW4iXX0.c2lnbmF0dXJl";

        assertThat(api.get("/api/v1/sale/status/" + product, Api.cookie(forged)).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/session", Api.cookie(forged)).data().path("signedIn").asBoolean()).isFalse();
        Api.Reply buy = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}", Api.cookie(forged));
        assertThat(buy.status()).isEqualTo(401);
        assertThat(api.get("/api/v1/admin/products", Api.cookie(forged)).status()).isEqualTo(401);
        assertThat(redisStock(product)).isEqualTo(3);
        assertThat(completedOrders(product)).isZero();
    }

    @Test
    void badNamesAndWrongKeysAreRefusedAndSetNoCookie() {
        for (String body : List.of("{\"name\":\"two words\"}", "{\"name\":\"\"}", "{}", "{\"name\":\"" + "x".repeat(129) + "\"}")) {
            Api.Reply reply = api.post("/api/v1/session", body);
            assertThat(reply.status()).as(body).isEqualTo(400);
            assertThat(reply.code()).isEqualTo("VALIDATION_FAILED");
            assertThat(reply.headers().firstValue("Set-Cookie")).isEmpty();
        }
        Api.Reply wrongKey = api.post("/api/v1/session/admin", "{\"key\":\"not-the-key-at-all\"}");
        assertThat(wrongKey.status()).isEqualTo(401);
        assertThat(wrongKey.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void anAdminSignsInWithTheKeyAndUsesTheAdminApiWithTheCookie() {
        Api.Reply signIn = api.post("/api/v1/session/admin", Api.json(java.util.Map.of("key", Api.ADMIN_KEY)));
        assertThat(signIn.status()).isEqualTo(200);
        assertThat(signIn.data().path("admin").asBoolean()).isTrue();
        assertThat(api.get("/api/v1/session", Api.cookie(token(signIn))).data().path("admin").asBoolean()).isTrue();
        assertThat(api.get("/api/v1/admin/products", Api.cookie(token(signIn))).status()).isEqualTo(200);

        Api.Reply userSignIn = api.post("/api/v1/session", "{\"name\":\"admin\"}");
        assertThat(api.get("/api/v1/admin/products", Api.cookie(token(userSignIn))).status())
                .as("a shopper who calls themselves admin is not admin").isEqualTo(403);
    }

    @Test
    void thePagesGetAContentSecurityPolicyAndTheApiDoesNot() {
        for (String page : List.of("/", "/sale.html", "/admin.html", "/js/sale.js", "/css/app.css")) {
            Api.Reply reply = api.get(page);
            assertThat(reply.status()).as(page).isEqualTo(200);
            assertThat(reply.headers().firstValue("Content-Security-Policy").orElse("")).as(page)
                    .contains("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline");
        }
        assertThat(api.get("/api/v1/sale/products").headers().firstValue("Content-Security-Policy")).isEmpty();
    }

    @Test
    void signingOutClearsTheCookie() {
        Api.Reply out = api.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/session")).DELETE());
        assertThat(out.status()).isEqualTo(204);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("flashsale_session=;").contains("Max-Age=0");
    }
}
