package dev.flashsale.ordering;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PurchaseRaceTest extends IntegrationTest {

    @Test
    void sellsExactlyTheStockWhenAThousandUsersRace() {
        UUID product = liveProduct(100, 1);

        Map<String, AtomicInteger> outcomes = race(product, 1000, i -> "racer-" + i);

        assertThat(outcomes.get("201").get()).as(outcomes.toString()).isEqualTo(100);
        assertThat(outcomes.get("409 SOLD_OUT").get()).as(outcomes.toString()).isEqualTo(900);
        assertThat(outcomes).containsOnlyKeys("201", "409 SOLD_OUT");
        assertThat(redisStock(product)).isZero();
        assertThat(completedOrders(product)).isEqualTo(100);
        assertThat(distinctBuyers(product)).isEqualTo(100);
        assertThat(jdbc.sql("SELECT count(DISTINCT unit_no) FROM order_units WHERE product_id = ?")
                .param(product).query(Long.class).single()).isEqualTo(100);
        assertInvariantsHold(product); // sold_quantity converges to 100 through the outbox
        assertThat(soldQuantity(product)).isEqualTo(100);
        assertThat(status(product).path("availableQuantity").asInt()).isZero();
        assertThat(status(product).path("soldOut").asBoolean()).isTrue();
    }

    @Test
    void oneUserFiringFiftyConcurrentAttemptsGetsExactlyOneOrder() {
        UUID product = liveProduct(100, 1);

        Map<String, AtomicInteger> outcomes = race(product, 50, i -> "eager");

        assertThat(outcomes.get("201").get()).isEqualTo(1);
        assertThat(outcomes.get("409 ALREADY_PURCHASED").get()).isEqualTo(49);
        assertThat(completedOrders(product)).isEqualTo(1);
        assertThat(redisStock(product)).isEqualTo(99);
        assertInvariantsHold(product);
    }

    @Test
    void aBuyerWithALimitOfThreeBuysThreeUnitsOnceAndTheUnitsAreNumbered() {
        UUID product = liveProduct(10, 3);

        Api.Reply first = api.post("/api/v1/sale/purchase",
                "{\"productId\":\"" + product + "\",\"quantity\":3}", Api.user("triple"));
        Api.Reply second = api.post("/api/v1/sale/purchase",
                "{\"productId\":\"" + product + "\",\"quantity\":1}", Api.user("triple"));

        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(first.data().path("quantity").asInt()).isEqualTo(3);
        assertThat(first.data().path("total").decimalValue()).isEqualByComparingTo("59.97");
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.code()).isEqualTo("ALREADY_PURCHASED");
        assertThat(jdbc.sql("SELECT unit_no FROM order_units WHERE product_id = ? ORDER BY unit_no")
                .param(product).query(Integer.class).list()).containsExactly(1, 2, 3);
        assertThat(redisStock(product)).isEqualTo(7);
        assertInvariantsHold(product);
    }

    @Test
    void asksForMoreThanIsLeftAndIsToldHowManyRemain() {
        UUID product = liveProduct(2, 3);

        Api.Reply reply = api.post("/api/v1/sale/purchase",
                "{\"productId\":\"" + product + "\",\"quantity\":3}", Api.user("greedy"));

        assertThat(reply.status()).isEqualTo(409);
        assertThat(reply.code()).isEqualTo("INSUFFICIENT_STOCK");
        assertThat(reply.json().path("error").asString()).isEqualTo("Only 2 left");
        assertThat(redisStock(product)).isEqualTo(2);
        assertThat(redisBuyer(product, "greedy")).isFalse();
        assertThat(completedOrders(product)).isZero();
    }
}
