package dev.flashsale.identity;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.spec.SecretKeySpec;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

import static org.assertj.core.api.Assertions.assertThat;

/** A token ends when it expires, when its session signs out, and never lives longer than the maximum. */
class TokenLifecycleTest extends IntegrationTest {

    private static final String TEST_SECRET = "test-only-secret-test-only-secret-0123456789";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void signingOutEndsTheAdminSessionAsCookieAndAsBearerToken() {
        Api.Reply signIn = api.post("/api/v1/session/admin", Api.json(Map.of("key", Api.ADMIN_KEY)));
        String token = token(signIn);
        assertThat(api.get("/api/v1/admin/products", Api.cookie(token)).status()).isEqualTo(200);

        Api.Reply out = signOut(Api.cookie(token));
        assertThat(out.status()).isEqualTo(204);

        try {
            Api.Reply asCookie = api.get("/api/v1/admin/products", Api.cookie(token));
            Api.Reply asBearer = api.get("/api/v1/admin/products", "Authorization", "Bearer " + token);
            assertThat(asCookie.status()).as(asCookie.toString()).isEqualTo(401);
            assertThat(asBearer.status()).as(asBearer.toString()).isEqualTo(401);
            assertThat(asBearer.code()).isEqualTo("UNAUTHENTICATED");
            assertThat(api.get("/api/v1/session", Api.cookie(token)).data().path("signedIn").asBoolean()).isFalse();
            // revoked for the rest of its lifetime, no longer
            String key = "fs:revoked:" + claims(token).path("jti").asString();
            Long ttl = redis.getExpire(key);
            assertThat(ttl).isNotNull().isPositive().isLessThanOrEqualTo(Duration.ofHours(8).plusMinutes(2).toSeconds());
        } finally {
            redis.delete("fs:revoked:" + claims(token).path("jti").asString());
        }
    }

    @Test
    void signingOutEndsAShoppersSessionOnTheHotPathToo() {
        UUID product = liveProduct(3, 1);
        String user = "leaver-" + UUID.randomUUID().toString().substring(0, 8);
        String token = token(api.post("/api/v1/session", Api.json(Map.of("name", user))));

        assertThat(signOut("Authorization", "Bearer " + token).status()).isEqualTo(204);

        try {
            Api.Reply asBearer = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}",
                    "Authorization", "Bearer " + token);
            Api.Reply asCookie = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}",
                    Api.cookie(token));
            assertThat(asBearer.status()).as(asBearer.toString()).isEqualTo(401);
            assertThat(asCookie.status()).as(asCookie.toString()).isEqualTo(401);
            assertThat(redisBuyers(product)).isZero();
        } finally {
            redis.delete("fs:revoked:" + claims(token).path("jti").asString());
        }
    }

    @Test
    void aTokenWithoutExpiryIsRefused() {
        UUID product = liveProduct(3, 1);
        String forever = sign(JwtClaimsSet.builder().subject("immortal").issuedAt(Instant.now()).build());
        String foreverAdmin = sign(JwtClaimsSet.builder().subject("immortal-admin").claim("roles", List.of("admin")).build());

        assertThat(purchase(product, forever).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/admin/products", "Authorization", "Bearer " + foreverAdmin).status()).isEqualTo(401);
        assertThat(redisBuyers(product)).isZero();
    }

    @Test
    void aTokenMeantToLiveLongerThanTheMaximumIsRefused() {
        UUID product = liveProduct(3, 1);
        Instant now = Instant.now();
        String twoDays = sign(JwtClaimsSet.builder().subject("patient")
                .issuedAt(now).expiresAt(now.plus(Duration.ofHours(48))).build());
        String aMonthNoIssueTime = sign(JwtClaimsSet.builder().subject("patient")
                .expiresAt(now.plus(Duration.ofDays(30))).build());
        String aDay = sign(JwtClaimsSet.builder().subject("in-time-" + UUID.randomUUID().toString().substring(0, 8))
                .issuedAt(now).expiresAt(now.plus(Duration.ofHours(23))).build());

        assertThat(purchase(product, twoDays).status()).isEqualTo(401);
        assertThat(purchase(product, aMonthNoIssueTime).status()).isEqualTo(401);
        assertThat(purchase(product, aDay).status()).isEqualTo(201);
    }

    @Test
    void issuedTokensCarryAnIdAndNothingDerivedFromTheSecret() {
        String token = token(api.post("/api/v1/session", Api.json(Map.of("name", "header-reader"))));

        JsonNode header = part(token, 0);
        assertThat(header.has("kid")).as(header.toString()).isFalse();
        assertThat(header.path("alg").asString()).isEqualTo("HS256");
        assertThat(claims(token).path("jti").asString()).isNotBlank();
    }

    @Test
    void anInvalidTokenIsRefusedInPlainWordsThatSayNothingOfItsInside() {
        UUID product = liveProduct(3, 1);
        String expired = sign(JwtClaimsSet.builder().subject("late")
                .issuedAt(Instant.now().minusSeconds(7200)).expiresAt(Instant.now().minusSeconds(3600)).build());

        for (String token : List.of("not.a.token", expired, token(api.post("/api/v1/session",
                Api.json(Map.of("name", "tamperer")))) + "x")) {
            Api.Reply reply = purchase(product, token);
            assertThat(reply.status()).isEqualTo(401);
            assertThat(reply.json().path("error").asString()).isEqualTo("Invalid or expired token");
        }
    }

    private Api.Reply purchase(UUID product, String token) {
        return api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}", "Authorization", "Bearer " + token);
    }

    private Api.Reply signOut(String... headers) {
        return api.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/session")).DELETE(),
                headers);
    }

    static String token(Api.Reply signIn) {
        assertThat(signIn.status()).as(signIn.toString()).isEqualTo(200);
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        return cookie.substring("flashsale_session=".length(), cookie.indexOf(';'));
    }

    static JsonNode claims(String token) {
        return part(token, 1);
    }

    private static JsonNode part(String token, int index) {
        return JSON.readTree(new String(Base64.getUrlDecoder().decode(token.split("\\.")[index]), StandardCharsets.UTF_8));
    }

    private static String sign(JwtClaimsSet claims) {
        var encoder = NimbusJwtEncoder.withSecretKey(new SecretKeySpec(TEST_SECRET.getBytes(StandardCharsets.UTF_8),
                "HmacSHA256")).build();
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims)).getTokenValue();
    }
}
