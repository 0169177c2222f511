package dev.flashsale.identity;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import javax.crypto.spec.SecretKeySpec;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityTest extends IntegrationTest {

    private static final String TEST_SECRET = "test-only-secret-test-only-secret-0123456789";

    @Autowired
    Tokens tokens;

    @Test
    void aUserWithASignedTokenBuysAsTheTokensSubject() {
        UUID product = liveProduct(5, 1);
        String token = tokens.issue("token-user", List.of(), Duration.ofMinutes(5));

        Api.Reply reply = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}",
                "Authorization", "Bearer " + token);

        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        assertThat(reply.data().path("userId").asString()).isEqualTo("token-user");
        assertThat(redisBuyer(product, "token-user")).isTrue();
    }

    @Test
    void theTokenWinsOverTheHeaderAndTheBodysUserIdIsIgnored() {
        UUID product = liveProduct(5, 1);
        String token = tokens.issue("real-user", List.of(), Duration.ofMinutes(5));

        Api.Reply reply = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\",\"userId\":\"someone-else\"}",
                "Authorization", "Bearer " + token, "X-User-Id", "header-user");

        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        assertThat(reply.data().path("userId").asString()).isEqualTo("real-user");
    }

    @Test
    void aTokenSignedWithAnotherSecretIsRefused() {
        UUID product = liveProduct(5, 1);
        String forged = tokensSignedWith("another-secret-another-secret-0123456789", Clock.systemUTC())
                .issue("mallory", List.of("admin"), Duration.ofMinutes(5));

        Api.Reply purchase = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}",
                "Authorization", "Bearer " + forged);
        Api.Reply admin = api.get("/api/v1/admin/products", "Authorization", "Bearer " + forged);

        assertThat(purchase.status()).isEqualTo(401);
        assertThat(purchase.code()).isEqualTo("UNAUTHENTICATED");
        assertThat(admin.status()).isEqualTo(401);
        assertThat(redisBuyers(product)).isZero();
    }

    @Test
    void anExpiredTokenIsRefused() {
        UUID product = liveProduct(5, 1);
        Clock anHourAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
        String expired = tokensSignedWith(TEST_SECRET, anHourAgo).issue("late", List.of(), Duration.ofMinutes(5));

        Api.Reply reply = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}",
                "Authorization", "Bearer " + expired);

        assertThat(reply.status()).isEqualTo(401);
        assertThat(redisBuyers(product)).isZero();
    }

    @Test
    void aTokenWhoseSubjectIsNoValidUserIdIsRefused() {
        UUID product = liveProduct(5, 1);
        // Tokens refuses to issue such a token, so sign the claims directly
        var encoder = NimbusJwtEncoder.withSecretKey(new SecretKeySpec(TEST_SECRET.getBytes(StandardCharsets.UTF_8),
                "HmacSHA256")).build();
        var claims = JwtClaimsSet.builder()
                .subject("not a valid id!").expiresAt(Instant.now().plusSeconds(300)).build();
        String token = encoder.encode(JwtEncoderParameters.from(
                JwsHeader.with(MacAlgorithm.HS256).build(), claims)).getTokenValue();

        Api.Reply reply = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}",
                "Authorization", "Bearer " + token);

        assertThat(reply.status()).isEqualTo(401);
        assertThat(redisBuyers(product)).isZero();
    }

    private static Tokens tokensSignedWith(String secret, Clock clock) {
        return new Tokens(NimbusJwtEncoder.withSecretKey(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8),
                "HmacSHA256")).build(), clock);
    }
}
