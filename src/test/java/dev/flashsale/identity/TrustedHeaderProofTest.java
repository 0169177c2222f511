package dev.flashsale.identity;

import java.time.Duration;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trusted-header mode with the gateway's proof configured: the user id header counts only from
 * the allowed address and with the shared secret, on the hot path as on the full path.
 */
@TestPropertySource(properties = {
        "flashsale.security.trusted-header.secret=gateway-secret-0123456789",
        "flashsale.security.trusted-header.allowed-sources=127.0.0.1, 10.0.0.0/8",
        "spring.datasource.hikari.maximum-pool-size=5"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class TrustedHeaderProofTest extends IntegrationTest {

    private static final String[] PROOF = {"X-Gateway-Secret", "gateway-secret-0123456789"};

    @Test
    void theHeaderCountsWithTheSecretFromAnAllowedAddress() {
        UUID product = liveProduct(5, 1);
        String user = "gated-" + UUID.randomUUID().toString().substring(0, 8);

        Api.Reply bought = api.post("/api/v1/sale/purchase", body(product), "X-User-Id", user, PROOF[0], PROOF[1]);
        Api.Reply orders = api.get("/api/v1/sale/user/orders", "X-User-Id", user, PROOF[0], PROOF[1]);

        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        assertThat(bought.data().path("userId").asString()).isEqualTo(user);
        assertThat(orders.status()).isEqualTo(200);
    }

    @Test
    void theHeaderWithoutTheSecretIsNoIdentity() {
        UUID product = liveProduct(5, 1);

        Api.Reply none = api.post("/api/v1/sale/purchase", body(product), Api.user("no-proof"));
        Api.Reply wrong = api.post("/api/v1/sale/purchase", body(product), "X-User-Id", "bad-proof",
                PROOF[0], "gateway-secret-012345678X");
        Api.Reply full = api.get("/api/v1/sale/user/orders", Api.user("no-proof"));

        assertThat(none.status()).as(none.toString()).isEqualTo(401);
        assertThat(wrong.status()).as(wrong.toString()).isEqualTo(401);
        assertThat(full.status()).isEqualTo(401);
        assertThat(redisBuyers(product)).isZero();
    }

    @Test
    void theHeaderFromAnotherAddressIsNoIdentityEvenWithTheSecret() {
        UUID product = liveProduct(5, 1);
        Api elsewhere = Api.from("127.0.0.2", port, Duration.ofSeconds(30));

        Api.Reply reply = elsewhere.post("/api/v1/sale/purchase", body(product), "X-User-Id", "outsider",
                PROOF[0], PROOF[1]);

        assertThat(reply.status()).as(reply.toString()).isEqualTo(401);
        assertThat(redisBuyers(product)).isZero();
    }

    private static String body(UUID product) {
        return "{\"productId\":\"" + product + "\"}";
    }
}
