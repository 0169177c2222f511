package dev.flashsale.limits;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import dev.flashsale.support.LimitsOn;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** Purchase and read limits per user and per client address, with limits on as in production. */
@LimitsOn
class ClientLimitsTest extends IntegrationTest {

    @Autowired
    MeterRegistry meters;

    @Autowired
    SharedBuckets sharedBuckets;

    @Autowired
    LimitsProperties properties;

    @Test
    void threeHundredRapidAttemptsByOneUserReachRedisAtMostItsLimitAndTheRestWait() throws Exception {
        // an upcoming sale: without a limit every attempt would run the reservation script
        UUID upcoming = product(100, 1, Instant.now().plus(Duration.ofHours(1)), Instant.now().plus(Duration.ofHours(2)));
        String hammer = "hammer-" + UUID.randomUUID();
        double scriptsBefore = reservationScripts();
        long started = System.nanoTime();

        Map<String, AtomicInteger> outcomes = answers(300, 300, i -> buy(upcoming, hammer));

        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds() + 1;
        int refused = count(outcomes, "429 RATE_LIMITED");
        int passed = 300 - refused;
        assertThat(passed).as(outcomes.toString()).isBetween(1, (int) (10 + seconds));
        assertThat(count(outcomes, "403 SALE_NOT_STARTED")).isEqualTo(passed);
        assertThat(reservationScripts() - scriptsBefore).as("reservation scripts run").isLessThanOrEqualTo(passed);

        Api.Reply again = buy(upcoming, hammer);
        assertThat(again.status()).isEqualTo(429);
        assertThat(again.code()).isEqualTo("RATE_LIMITED");
        assertThat(Integer.parseInt(again.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 10);

        // another user, from the same address, is not held back
        assertThat(buy(upcoming, "calm-" + UUID.randomUUID()).code()).isEqualTo("SALE_NOT_STARTED");
        assertThat(buy(liveProduct(5, 1), "calm-" + UUID.randomUUID()).status()).isEqualTo(201);
    }

    @Test
    void aUsersAttemptsReachingRedisShareOneBudgetAcrossInstances() {
        // two instances' limits, one Redis: each would let 10 through on its own
        ClientLimits first = new ClientLimits(properties, sharedBuckets, meters);
        ClientLimits second = new ClientLimits(properties, sharedBuckets, meters);
        String user = "spread-" + UUID.randomUUID();
        int granted = 0;
        for (int i = 0; i < 30; i++) {
            if ((i % 2 == 0 ? first : second).purchaseReachingRedisBy(user).isEmpty()) {
                granted++;
            }
        }
        // the shared capacity, plus each instance's first attempt (not asked of Redis), plus at
        // most one token refilled meanwhile
        assertThat(granted).isBetween(12, 13);
        assertThat(redis.getExpire("fs:limits:purchase:" + user)).as("the bucket expires 10 s after it is full again")
                .isBetween(11L, 21L);
        redis.delete("fs:limits:purchase:" + user);
    }

    @Test
    void anAddressFloodingPurchasesIsRefusedWhileAnotherAddressBuys() throws Exception {
        UUID upcoming = product(100, 1, Instant.now().plus(Duration.ofHours(1)), Instant.now().plus(Duration.ofHours(2)));
        Api attacker = Api.from("127.0.0.2", port, Duration.ofSeconds(10));

        long started = System.nanoTime();

        Map<String, AtomicInteger> outcomes = answers(2000, 100, i -> attacker.post("/api/v1/sale/purchase",
                "{\"productId\":\"" + upcoming + "\"}", Api.user("bot-" + i)));

        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds() + 1;
        int passed = count(outcomes, "403 SALE_NOT_STARTED");
        assertThat(passed).as(outcomes.toString()).isBetween(1000, (int) (1000 + 100 * seconds));
        assertThat(count(outcomes, "429 RATE_LIMITED")).isEqualTo(2000 - passed);
        assertThat(buy(liveProduct(5, 1), "shopper-" + UUID.randomUUID()).status()).isEqualTo(201);
    }

    @Test
    void anAddressReadingTooOftenIsRefusedWhileOthersRead() throws Exception {
        UUID product = liveProduct(5, 1);
        Api attacker = Api.from("127.0.0.3", port, Duration.ofSeconds(10));

        long started = System.nanoTime();

        Map<String, AtomicInteger> outcomes = answers(400, 100, i -> attacker.get("/api/v1/sale/status/" + product));

        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds() + 1;
        int read = count(outcomes, "200 null");
        assertThat(read).as(outcomes.toString()).isBetween(200, (int) Math.min(399, 200 + 20 * seconds));
        assertThat(count(outcomes, "429 RATE_LIMITED")).isEqualTo(400 - read);
        assertThat(api.get("/api/v1/sale/status/" + product).status()).isEqualTo(200);
    }

    private double reservationScripts() {
        return meters.get("flashsale.inventory.reservation.scripts").counter().count();
    }
}
