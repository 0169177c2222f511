package dev.flashsale.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-sale cap on units per client address, counted in the reservation script: the address is
 * the one the application sees (this test's HTTP client connects from 127.0.0.1; a raw socket bound
 * to 127.0.0.2 comes from another address).
 */
class PerAddressLimitTest extends IntegrationTest {

    private static final String OTHER_ADDRESS = "127.0.0.2";

    private UUID cappedProduct(int total, int perAddressLimit) {
        Instant now = Instant.now();
        return product(total, 1, now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofHours(1)),
                Map.of("perAddressLimit", perAddressLimit));
    }

    private String addressUnits(UUID product, String address) {
        return (String) redis.opsForHash().get("fs:{" + product + "}:addresses", address);
    }

    @Test
    void fiveUsersBehindOneAddressGetTwoUnitsAndAnotherAddressStillBuys() {
        UUID product = cappedProduct(10, 2);

        Map<String, AtomicInteger> outcomes = race(product, 5, i -> "nat-user-" + i + "-" + product);

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(2);
        assertThat(count(outcomes, "409 ADDRESS_LIMIT_REACHED")).as(outcomes.toString()).isEqualTo(3);
        assertThat(addressUnits(product, "127.0.0.1")).isEqualTo("2");

        Api.Reply refused = buy(product, "one-more-" + product);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.code()).isEqualTo("ADDRESS_LIMIT_REACHED");
        assertThat(refused.json().path("message").asString()).contains("2 units");

        Api.Reply elsewhere = buyFrom(OTHER_ADDRESS, product, "elsewhere-" + product);
        assertThat(elsewhere.status()).as(elsewhere.toString()).isEqualTo(201);
        assertThat(addressUnits(product, OTHER_ADDRESS)).isEqualTo("1");
        assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE product_id = ? AND metadata->>'ip' = ?")
                .params(product, OTHER_ADDRESS).query(Long.class).single()).isEqualTo(1);
        assertThat(completedOrders(product)).isEqualTo(3);
        assertInvariantsHold(product);
    }

    @Test
    void withoutACapEveryUserBehindOneAddressBuys() {
        UUID product = liveProduct(10, 1);

        Map<String, AtomicInteger> outcomes = race(product, 8, i -> "shared-" + i + "-" + product);

        assertThat(count(outcomes, "201")).as(outcomes.toString()).isEqualTo(8);
        assertThat(redis.hasKey("fs:{" + product + "}:addresses")).isFalse();
        assertThat(api.get("/api/v1/admin/products/" + product, Api.admin()).data().path("perAddressLimit").isNull())
                .isTrue();
        assertInvariantsHold(product);
    }

    @Test
    void aReservationTheDatabaseRefusesGivesItsAddressTheUnitBack() {
        UUID product = cappedProduct(5, 1);
        // an order Redis does not know about: PostgreSQL refuses the user's next one as a duplicate
        jdbc.sql("""
                INSERT INTO orders (id, user_id, product_id, quantity, unit_price, status)
                VALUES (gen_random_uuid(), ?, ?, 1, 19.99, 'completed')""")
                .params("bought-before-" + product, product).update();

        Api.Reply refused = buy(product, "bought-before-" + product);

        assertThat(refused.code()).as(refused.toString()).isEqualTo("ALREADY_PURCHASED");
        assertThat(addressUnits(product, "127.0.0.1")).isNull();
        assertThat(redisPending(product)).isZero();
        Api.Reply next = buy(product, "next-in-line-" + product);
        assertThat(next.status()).as(next.toString()).isEqualTo(201);
        assertThat(addressUnits(product, "127.0.0.1")).isEqualTo("1");
    }

    @Test
    void aWarmUpAfterTheSalesRedisKeysAreGoneCountsTheAddressesAgain() {
        UUID product = cappedProduct(10, 2);
        assertThat(buy(product, "first-" + product).status()).isEqualTo(201);
        assertThat(buy(product, "second-" + product).status()).isEqualTo(201);
        assertThat(buyFrom(OTHER_ADDRESS, product, "third-" + product).status()).isEqualTo(201);

        Set<String> keys = redis.keys("fs:{" + product + "}:*");
        assertThat(keys).contains("fs:{" + product + "}:addresses");
        redis.delete(keys);

        Api.Reply refused = buy(product, "fourth-" + product); // warms the sale up, then counts
        assertThat(refused.code()).as(refused.toString()).isEqualTo("ADDRESS_LIMIT_REACHED");
        assertThat(addressUnits(product, "127.0.0.1")).isEqualTo("2");
        assertThat(addressUnits(product, OTHER_ADDRESS)).isEqualTo("1");
        assertThat(buyFrom(OTHER_ADDRESS, product, "fifth-" + product).status()).isEqualTo(201);
        assertThat(buyFrom(OTHER_ADDRESS, product, "sixth-" + product).status()).isEqualTo(409);
        assertThat(addressUnits(product, OTHER_ADDRESS)).isEqualTo("2");
        assertInvariantsHold(product);
    }

    @Test
    void theAdminSetsChangesAndClearsTheCapAndRefusesBadValues() {
        UUID product = cappedProduct(10, 3);
        String path = "/api/v1/admin/products/" + product;
        assertThat(api.get(path, Api.admin()).data().path("perAddressLimit").asInt()).isEqualTo(3);

        assertThat(api.patch(path, "{\"name\":\"Renamed\"}", Api.admin()).data().path("perAddressLimit").asInt())
                .as("absent keeps the cap").isEqualTo(3);
        assertThat(api.patch(path, "{\"perAddressLimit\":1}", Api.admin()).data().path("perAddressLimit").asInt())
                .isEqualTo(1);
        assertThat(buy(product, "a-" + product).status()).isEqualTo(201);
        assertThat(buy(product, "b-" + product).code()).isEqualTo("ADDRESS_LIMIT_REACHED");

        Api.Reply cleared = api.patch(path, "{\"perAddressLimit\":null}", Api.admin());
        assertThat(cleared.status()).as(cleared.toString()).isEqualTo(200);
        assertThat(cleared.data().path("perAddressLimit").isNull()).as(cleared.toString()).isTrue();
        assertThat(buy(product, "b-" + product).status()).as("the cap is off").isEqualTo(201);

        for (String bad : new String[] {"0", "-1", "\"two\"", "1.5", "10000001"}) {
            Api.Reply patched = api.patch(path, "{\"perAddressLimit\":" + bad + "}", Api.admin());
            assertThat(patched.status()).as(bad + ": " + patched).isEqualTo(400);
            Api.Reply created = api.post("/api/v1/admin/products",
                    "{\"name\":\"Bad cap\",\"price\":1.00,\"totalQuantity\":5,\"perAddressLimit\":" + bad + "}",
                    Api.admin());
            assertThat(created.status()).as(bad + ": " + created).isEqualTo(400);
            assertThat(created.contentType()).contains("application/problem+json");
        }
    }

    // --- a purchase from another client address -------------------------------------------------

    /** A purchase from {@code localAddress} (a loopback address of its own), so the application sees that address. */
    private Api.Reply buyFrom(String localAddress, UUID product, String user) {
        return Api.from(localAddress, port, Duration.ofSeconds(30))
                .post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\"}", Api.user(user));
    }
}
