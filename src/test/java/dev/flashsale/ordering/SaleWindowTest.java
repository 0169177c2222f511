package dev.flashsale.ordering;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The window over HTTP; the millisecond boundaries are checked on the script in SaleScriptsTest. */
class SaleWindowTest extends IntegrationTest {

    @Test
    void beforeTheStartAPurchaseIsForbiddenAndChangesNothing() {
        Instant now = Instant.now();
        UUID product = product(5, 1, now.plus(Duration.ofHours(1)), now.plus(Duration.ofHours(2)));

        Api.Reply reply = buy(product, "too-early");

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.code()).isEqualTo("SALE_NOT_STARTED");
        assertThat(status(product).path("status").asString()).isEqualTo("upcoming");
        assertThat(redisStock(product)).isEqualTo(5);
        assertThat(redisBuyer(product, "too-early")).isFalse();
        assertThat(completedOrders(product)).isZero();
    }

    @Test
    void afterTheEndAPurchaseIsForbiddenAndChangesNothing() {
        Instant now = Instant.now();
        UUID product = product(5, 1, now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1)));

        Api.Reply reply = buy(product, "too-late");

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.code()).isEqualTo("SALE_ENDED");
        assertThat(status(product).path("status").asString()).isEqualTo("ended");
        assertThat(redisStock(product)).isEqualTo(5);
        assertThat(completedOrders(product)).isZero();
    }

    @Test
    void theSaleOpensByItselfAtItsStart() {
        Instant start = redisNow().plus(Duration.ofMillis(1500));
        UUID product = product(5, 1, start, start.plus(Duration.ofHours(1)));

        assertThat(buy(product, "waiter").status()).isEqualTo(403);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> buy(product, "waiter").status() == 201);

        assertThat(redisNow()).isAfterOrEqualTo(start);
        assertThat(completedOrders(product)).isEqualTo(1);
        assertInvariantsHold(product);
    }

    private Instant redisNow() {
        Long ms = redis.execute(c -> c.serverCommands().time(), true);
        return Instant.ofEpochMilli(ms);
    }
}
