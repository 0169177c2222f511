package dev.flashsale.api;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.flashsale.identity.Tokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** Sold out and status answers that need no Redis call, and are the answers the full path gives. */
@TestPropertySource(properties = "flashsale.inventory.local-stock-ttl=5s")
class HotPathTest extends IntegrationTest {

    @Autowired
    Tokens tokens;

    @Autowired
    MeterRegistry meters;

    @Test
    void attemptsOnAProductJustSeenSoldOutCostNoRedisCallAndGetTheSameAnswer() {
        UUID product = liveProduct(1, 1);
        // another instance sold the last unit: this one has not seen it yet
        redis.opsForValue().set("fs:{" + product + "}:stock", "0");
        long atFirst = redisCommands();
        Api.Reply full = buy(product, "first-loser");
        assertThat(full.code()).isEqualTo("SOLD_OUT");
        assertThat(redisCommands() - atFirst).as("the first attempt asked Redis").isPositive();

        long before = redisCommands();
        Api.Reply fast = buy(product, "second-loser");
        Api.Reply fastWithToken = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}",
                "Authorization", "Bearer " + tokens.issue("token-loser", List.of(), Duration.ofMinutes(1)));
        long after = redisCommands();

        // 1 is the token's revocation check (decision 0008); nothing for the attempts
        assertThat(after - before).as("no Redis command for the two attempts but the token's revocation check")
                .isEqualTo(1);
        for (Api.Reply reply : List.of(fast, fastWithToken)) {
            assertThat(reply.status()).isEqualTo(409);
            assertThat(reply.contentType()).startsWith("application/problem+json");
            assertThat(reply.json().properties().stream().map(e -> e.getKey()).toList())
                    .containsExactlyInAnyOrderElementsOf(full.json().properties().stream().map(e -> e.getKey()).toList());
            for (String field : new String[] {"type", "title", "status", "detail", "instance", "success", "code", "error", "message"}) {
                assertThat(reply.json().path(field)).as(field).isEqualTo(full.json().path(field));
            }
        }
        assertThat(redisBuyer(product, "second-loser")).isFalse();
    }

    @Test
    void aBuyerTryingAgainIsAnsweredWithoutRedisToo() {
        UUID product = liveProduct(10, 1);
        assertThat(buy(product, "repeat").status()).isEqualTo(201);

        long before = redisCommands();
        Api.Reply again = buy(product, "repeat");
        long after = redisCommands();

        assertThat(again.status()).isEqualTo(409);
        assertThat(again.code()).isEqualTo("ALREADY_PURCHASED");
        assertThat(again.json().path("error").asString()).isEqualTo("You have already purchased this item");
        assertThat(after - before).as("no Redis command").isZero();
        // a bad quantity is still the full path's to answer
        assertThat(api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\",\"quantity\":2}",
                Api.user("repeat")).code()).isEqualTo("QUANTITY_ABOVE_LIMIT");
    }

    @Test
    void theStatusAnswerIsTheFullPathsAnswer() {
        UUID product = liveProduct(7, 1);
        assertThat(buy(product, "someone").status()).isEqualTo(201);

        JsonNode fast = api.get("/api/v1/sale/status/" + product).json();
        JsonNode aliased = api.get("/api/v1.0/sale/status/" + product).json();

        assertThat(fast.path("data").path("availableQuantity").asInt()).isEqualTo(6);
        assertThat(fast).isEqualTo(aliased);
        assertThat(fast.path("success").asBoolean()).isTrue();
        assertThat(fast.path("data").path("productId").asString()).isEqualTo(product.toString());
    }

    /**
     * A purchase made in the hot-path filter answers what the controller answered (201, the seed's
     * envelope, the security chain's headers) and records the same order metadata.
     */
    @Test
    void aPurchaseOnTheHotPathAnswersAndRecordsAsTheControllerDid() {
        UUID product = liveProduct(5, 2);

        Api.Reply bought = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\",\"quantity\":2}",
                "X-User-Id", "hot-buyer", "User-Agent", "hot-path-test/1.0");

        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        assertThat(bought.contentType()).startsWith("application/json");
        assertThat(bought.json().path("success").asBoolean()).isTrue();
        assertThat(bought.data().path("userId").asString()).isEqualTo("hot-buyer");
        assertThat(bought.data().path("productId").asString()).isEqualTo(product.toString());
        assertThat(bought.data().path("quantity").asInt()).isEqualTo(2);
        assertThat(bought.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(bought.headers().firstValue("Cache-Control")).hasValueSatisfying(v -> assertThat(v).contains("no-store"));
        String metadata = jdbc.sql("SELECT metadata::text FROM orders WHERE id = ?::uuid")
                .param(bought.data().path("orderId").asString()).query(String.class).single();
        assertThat(metadata).contains("\"userAgent\": \"hot-path-test/1.0\"").contains("\"ip\": \"127.0.0.1\"");
        assertThat(redisStock(product)).isEqualTo(3);
    }

    /**
     * Commands this application's Redis client has completed so far (Lettuce's command latency
     * meter): the test's own client shares the connection factory, and asks nothing in between.
     */
    private long redisCommands() {
        var completions = meters.find("lettuce.command.completion").timers();
        assertThat(completions).as("Lettuce's command meter").isNotEmpty();
        return completions.stream().mapToLong(Timer::count).sum();
    }
}
