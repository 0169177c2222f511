package dev.flashsale.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gated sales: a purchase needs a single-use token, bound to its user and sale, which a solved
 * proof-of-work challenge earns once the sale is open. The challenges are solved here in Java, at
 * a low difficulty.
 */
class PurchaseGateTest extends IntegrationTest {

    private static final int DIFFICULTY = 8;

    private UUID gatedProduct(int total, int perUserLimit, Instant start) {
        return product(total, perUserLimit, start, Instant.now().plus(Duration.ofHours(1)),
                Map.of("gated", true, "powDifficulty", DIFFICULTY));
    }

    private UUID liveGatedProduct(int total, int perUserLimit) {
        return gatedProduct(total, perUserLimit, Instant.now().minus(Duration.ofMinutes(1)));
    }

    private JsonNode challenge(UUID product, String user) {
        Api.Reply reply = api.get("/api/v1/sale/challenge/" + product, Api.user(user));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.data().path("difficulty").asInt()).isEqualTo(DIFFICULTY);
        return reply.data();
    }

    private Api.Reply askForToken(UUID product, String user, String challenge, String nonce) {
        StringBuilder body = new StringBuilder("{\"productId\":\"" + product + "\"");
        if (challenge != null) {
            body.append(",\"challenge\":").append(Api.json(challenge));
        }
        if (nonce != null) {
            body.append(",\"nonce\":").append(Api.json(nonce));
        }
        return api.post("/api/v1/sale/purchase-token", body.append('}').toString(), Api.user(user));
    }

    /** What the sale page does: fetch a challenge, solve it, exchange it for a token. */
    private String token(UUID product, String user) {
        String challenge = challenge(product, user).path("challenge").asString();
        Api.Reply reply = askForToken(product, user, challenge, solve(challenge, DIFFICULTY));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        return reply.data().path("purchaseToken").asString();
    }

    private Api.Reply buyWith(UUID product, String user, String token, int quantity) {
        return api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\",\"quantity\":" + quantity
                + ",\"purchaseToken\":\"" + token + "\"}", Api.user(user));
    }

    @Test
    void aSolvedChallengeEarnsATokenThatBuys() {
        UUID product = liveGatedProduct(5, 1);
        assertThat(status(product).path("gated").asBoolean()).isTrue();

        Api.Reply bought = buyWith(product, "alice", token(product, "alice"), 1);

        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        assertInvariantsHold(product);
    }

    @Test
    void aPurchaseWithoutATokenIsRefusedBeforeRedis() {
        UUID product = liveGatedProduct(5, 1);

        Api.Reply refused = buy(product, "no-token");

        assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
        assertThat(refused.code()).isEqualTo("PURCHASE_TOKEN_REQUIRED");
        assertThat(redisStock(product)).isEqualTo(5);
        assertThat(redisBuyer(product, "no-token")).isFalse();
    }

    @Test
    void anotherUsersTokenIsRefusedAndStaysItsOwnersToUse() {
        UUID product = liveGatedProduct(5, 1);
        String alices = token(product, "alice");

        Api.Reply bob = buyWith(product, "bob", alices, 1);

        assertThat(bob.status()).as(bob.toString()).isEqualTo(403);
        assertThat(bob.code()).isEqualTo("PURCHASE_TOKEN_INVALID");
        assertThat(buyWith(product, "alice", alices, 1).status()).isEqualTo(201);
        assertThat(buyWith(product, "bob", "madeUpTokenMadeUpToken", 1).code()).isEqualTo("PURCHASE_TOKEN_INVALID");
    }

    @Test
    void aTokenIsSpentByTheAttemptThatPresentsItWhateverItComesTo() {
        UUID product = liveGatedProduct(3, 2);
        assertThat(buyWith(product, "carol", token(product, "carol"), 2).status()).isEqualTo(201);
        String daves = token(product, "dave");

        Api.Reply tooMany = buyWith(product, "dave", daves, 2);
        assertThat(tooMany.code()).as(tooMany.toString()).isEqualTo("INSUFFICIENT_STOCK");
        Api.Reply again = buyWith(product, "dave", daves, 1);

        assertThat(again.status()).as(again.toString()).isEqualTo(403);
        assertThat(again.code()).isEqualTo("PURCHASE_TOKEN_INVALID");
        assertThat(buyWith(product, "dave", token(product, "dave"), 1).status()).isEqualTo(201);
        assertInvariantsHold(product);
    }

    @Test
    void aTokenBuysOnceEvenWhenTwoPurchasesRaceWithIt() throws Exception {
        for (int round = 0; round < 5; round++) {
            UUID product = liveGatedProduct(10, 1);
            String user = "racer-" + round;
            String token = token(product, user);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Api.Reply>> replies = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 2; i++) {
                    replies.add(pool.submit(() -> {
                        start.await();
                        return buyWith(product, user, token, 1);
                    }));
                }
                start.countDown();
                List<Api.Reply> answers = new ArrayList<>();
                for (Future<Api.Reply> reply : replies) {
                    answers.add(reply.get());
                }
                assertThat(answers).filteredOn(r -> r.status() == 201).hasSize(1);
                // the loser meets the spent token, or (if the winner had finished) this instance's
                // knowledge that the user bought
                assertThat(answers).filteredOn(r -> r.status() != 201)
                        .allSatisfy(r -> assertThat(r.code()).isIn("PURCHASE_TOKEN_INVALID", "ALREADY_PURCHASED"));
            }
            assertThat(completedOrders(product)).isEqualTo(1);
            assertThat(redisStock(product)).isEqualTo(9);
        }
    }

    @Test
    void noTokenIsIssuedBeforeTheSaleOpensThoughAChallengeIs() {
        UUID product = gatedProduct(5, 1, Instant.now().plus(Duration.ofHours(1)));
        String challenge = challenge(product, "early").path("challenge").asString();

        Api.Reply refused = askForToken(product, "early", challenge, solve(challenge, DIFFICULTY));

        assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
        assertThat(refused.code()).isEqualTo("SALE_NOT_STARTED");
    }

    @Test
    void aScriptThatSkipsOrFakesTheChallengeGetsNoToken() {
        UUID product = liveGatedProduct(5, 1);
        String challenge = challenge(product, "script").path("challenge").asString();

        assertThat(askForToken(product, "script", null, null).code()).isEqualTo("CHALLENGE_REQUIRED");
        assertThat(askForToken(product, "script", challenge, null).code()).isEqualTo("CHALLENGE_REQUIRED");
        Api.Reply wrong = askForToken(product, "script", challenge, wrongNonce(challenge));
        assertThat(wrong.status()).as(wrong.toString()).isEqualTo(403);
        assertThat(wrong.code()).isEqualTo("CHALLENGE_FAILED");
        assertThat(wrong.json().path("message").asString()).contains("does not solve");

        // a challenge of its own making, or someone else's, or another sale's
        String forged = "eyJ" + challenge.substring(3);
        assertThat(askForToken(product, "script", forged, solve(forged, DIFFICULTY)).code()).isEqualTo("CHALLENGE_FAILED");
        assertThat(askForToken(product, "other", challenge, solve(challenge, DIFFICULTY)).code()).isEqualTo("CHALLENGE_FAILED");
        UUID another = liveGatedProduct(5, 1);
        assertThat(askForToken(another, "script", challenge, solve(challenge, DIFFICULTY)).code()).isEqualTo("CHALLENGE_FAILED");

        // solved, it earns one token, once
        String nonce = solve(challenge, DIFFICULTY);
        assertThat(askForToken(product, "script", challenge, nonce).status()).isEqualTo(201);
        Api.Reply reused = askForToken(product, "script", challenge, nonce);
        assertThat(reused.code()).as(reused.toString()).isEqualTo("CHALLENGE_FAILED");
        assertThat(reused.json().path("message").asString()).contains("already earned");
    }

    @Test
    void theGateAnswersOnlyIdentifiedUsersOfGatedSalesAndRefusesBadInput() {
        UUID gated = liveGatedProduct(5, 1);
        UUID open = liveProduct(5, 1);

        assertThat(api.get("/api/v1/sale/challenge/" + gated).status()).isEqualTo(401);
        Api.Reply anonymous = api.post("/api/v1/sale/purchase-token", "{\"productId\":\"" + gated + "\"}");
        assertThat(anonymous.status()).as(anonymous.toString()).isEqualTo(401);
        assertThat(anonymous.code()).isEqualTo("UNAUTHENTICATED");
        assertThat(api.get("/api/v1/sale/challenge/" + open, Api.user("u")).code()).isEqualTo("SALE_NOT_GATED");
        assertThat(askForToken(open, "u", null, null).status()).isEqualTo(409);
        assertThat(api.get("/api/v1/sale/challenge/" + UUID.randomUUID(), Api.user("u")).status()).isEqualTo(404);

        for (String bad : new String[] {"{}", "{\"productId\":\"not-a-uuid\"}", "[]", "{\"productId\":",
                "{\"productId\":\"" + gated + "\",\"nonce\":\"has spaces\"}",
                "{\"productId\":\"" + gated + "\",\"challenge\":\"" + "x".repeat(600) + "\"}"}) {
            Api.Reply reply = api.post("/api/v1/sale/purchase-token", bad, Api.user("u"));
            assertThat(reply.status()).as(bad + ": " + reply).isEqualTo(400);
            assertThat(reply.contentType()).contains("application/problem+json");
        }
        assertThat(api.get("/api/v1/sale/challenge/nope", Api.user("u")).status()).isEqualTo(400);
        for (String token : new String[] {"\"short\"", "42", "\"has spaces in it, quite a few\""}) {
            Api.Reply reply = api.post("/api/v1/sale/purchase",
                    "{\"productId\":\"" + gated + "\",\"purchaseToken\":" + token + "}", Api.user("u"));
            assertThat(reply.status()).as(token + ": " + reply).isEqualTo(400);
        }
    }

    @Test
    void theAdminGatesASaleAndOpensItAgainAndRefusesBadValues() {
        UUID product = liveProduct(5, 1);
        String path = "/api/v1/admin/products/" + product;

        JsonNode gated = api.patch(path, "{\"gated\":true,\"powDifficulty\":" + DIFFICULTY + "}", Api.admin()).data();
        assertThat(gated.path("gated").asBoolean()).isTrue();
        assertThat(gated.path("powDifficulty").asInt()).isEqualTo(DIFFICULTY);
        assertThat(buy(product, "before-the-cache-knows").code()).isEqualTo("PURCHASE_TOKEN_REQUIRED");

        api.patch(path, "{\"gated\":false}", Api.admin());
        assertThat(buy(product, "ungated").status()).isEqualTo(201);

        for (String bad : new String[] {"{\"gated\":\"yes\"}", "{\"powDifficulty\":25}", "{\"powDifficulty\":-1}",
                "{\"powDifficulty\":1.5}"}) {
            assertThat(api.patch(path, bad, Api.admin()).status()).as(bad).isEqualTo(400);
            assertThat(api.post("/api/v1/admin/products", bad.replace("{", "{\"name\":\"x\",\"price\":1.00,"
                    + "\"totalQuantity\":1,"), Api.admin()).status()).as(bad).isEqualTo(400);
        }
    }

    // --- the client's side of the proof of work -----------------------------------------------

    static String solve(String challenge, int difficulty) {
        for (long nonce = 0; ; nonce++) {
            if (zeroBits(challenge, Long.toString(nonce)) >= difficulty) {
                return Long.toString(nonce);
            }
        }
    }

    private static String wrongNonce(String challenge) {
        for (long nonce = 0; ; nonce++) {
            if (zeroBits(challenge, Long.toString(nonce)) < DIFFICULTY) {
                return Long.toString(nonce);
            }
        }
    }

    private static int zeroBits(String challenge, String nonce) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((challenge + ":" + nonce).getBytes(StandardCharsets.UTF_8));
            int bits = 0;
            for (byte b : hash) {
                if (b != 0) {
                    return bits + Integer.numberOfLeadingZeros(b & 0xFF) - 24;
                }
                bits += 8;
            }
            return bits;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
