package dev.flashsale.api;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request bodies are strict JSON: a string is not a number, a number is not a string, a boolean or
 * a date, and a field the request does not declare is refused. One answer names every bad field,
 * and nothing is written.
 */
class StrictInputTest extends IntegrationTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"name\":\"n\",\"price\":\"1\",\"totalQuantity\":5}|price",
            "{\"name\":\"n\",\"price\":1,\"totalQuantity\":\"5\"}|totalQuantity",
            "{\"name\":5,\"price\":1,\"totalQuantity\":5}|name",
            "{\"name\":true,\"price\":1,\"totalQuantity\":5}|name",
            "{\"name\":\"n\",\"price\":1,\"totalQuantity\":5,\"perUserLimit\":\"2\"}|perUserLimit",
            "{\"name\":\"n\",\"price\":1,\"totalQuantity\":5,\"perUserLimit\":2.0}|perUserLimit",
            "{\"name\":\"n\",\"price\":1,\"totalQuantity\":5,\"gated\":1}|gated",
            "{\"name\":\"n\",\"price\":1,\"totalQuantity\":5,\"gated\":\"true\"}|gated",
            "{\"name\":\"n\",\"price\":1,\"totalQuantity\":5,\"saleStartAt\":1800000000}|saleStartAt",
            "{\"name\":\"n\",\"price\":1,\"totalQuantity\":5,\"saleEndAt\":1.8e9}|saleEndAt",
            "{\"name\":\"n\",\"price\":1,\"totalQuantity\":99999999999}|totalQuantity",
            "{\"name\":\"n\",\"price\":1,\"totalQuantity\":5,\"stock\":5}|stock",
            "{\"name\":[\"n\"],\"price\":1,\"totalQuantity\":5}|name",
            "{\"name\":\"n\",\"price\":{},\"totalQuantity\":5}|price"})
    void aValueOfTheWrongTypeOrAnUndeclaredFieldIsRefusedAndNothingIsWritten(String testCase) {
        String body = testCase.substring(0, testCase.lastIndexOf('|'));
        String field = testCase.substring(testCase.lastIndexOf('|') + 1);
        long products = products();

        Api.Reply created = api.post("/api/v1/admin/products", body, Api.admin());

        assertThat(created.status()).as(created.toString()).isEqualTo(400);
        assertThat(created.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(fields(created)).as(created.toString()).containsExactly(field);
        assertThat(products()).isEqualTo(products);
    }

    @Test
    void aFieldSentTwiceIsMalformed() {
        long products = products();

        Api.Reply created = api.post("/api/v1/admin/products",
                "{\"name\":\"n\",\"price\":1,\"totalQuantity\":5,\"totalQuantity\":500}", Api.admin());

        assertThat(created.status()).as(created.toString()).isEqualTo(400);
        assertThat(created.code()).isEqualTo("MALFORMED_REQUEST");
        assertThat(products()).isEqualTo(products);
    }

    @Test
    void aNumberIsAcceptedAsAPriceWithOrWithoutDecimals() {
        for (String price : new String[] {"1", "1.5", "19.99"}) {
            Api.Reply created = api.post("/api/v1/admin/products",
                    "{\"name\":\"Price " + UUID.randomUUID() + "\",\"price\":" + price + ",\"totalQuantity\":5}", Api.admin());
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            assertThat(created.data().path("price").decimalValue()).isEqualByComparingTo(price);
        }
    }

    @Test
    void everyBadFieldIsNamedInOneAnswer() {
        long products = products();

        Api.Reply created = api.post("/api/v1/admin/products", """
                {"name":" ","price":"cheap","totalQuantity":0,"perUserLimit":5000,"gated":"yes","colour":"red"}""", Api.admin());

        assertThat(created.status()).as(created.toString()).isEqualTo(400);
        assertThat(created.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(fields(created)).containsExactlyInAnyOrder("name", "price", "totalQuantity", "perUserLimit",
                "gated", "colour");
        assertThat(created.json().path("error").asString()).contains("price: must be a number")
                .contains("colour: is not a field of this request").contains("name: is required");
        assertThat(products()).isEqualTo(products);
    }

    @Test
    void aChangeWithAWrongTypeIsRefusedAndTheSaleIsUnchanged() {
        UUID product = liveProduct(5, 1);

        Api.Reply changed = api.patch("/api/v1/admin/products/" + product,
                "{\"totalQuantity\":\"50\",\"name\":\"renamed\",\"price\":-1}", Api.admin());

        assertThat(changed.status()).as(changed.toString()).isEqualTo(400);
        assertThat(fields(changed)).containsExactlyInAnyOrder("totalQuantity", "price");
        JsonNode status = status(product);
        assertThat(status.path("totalQuantity").asInt()).isEqualTo(5);
        assertThat(status.path("availableQuantity").asInt()).isEqualTo(5);
        assertThat(status.path("name").asString()).isNotEqualTo("renamed");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"productId\":\"%s\",\"quantity\":\"1\"}|quantity",
            "{\"productId\":\"%s\",\"quantity\":true}|quantity",
            "{\"productId\":\"%s\",\"userId\":42}|userId",
            "{\"productId\":\"%s\",\"coupon\":\"FREE\"}|coupon",
            "{\"productId\":\"%s\",\"quantity\":1,\"purchaseToken\":12345678901234567890}|purchaseToken"})
    void aPurchaseWithAWrongTypeOrAnUndeclaredFieldIsRefusedAndReservesNothing(String testCase) {
        UUID product = liveProduct(5, 1);
        String body = testCase.substring(0, testCase.lastIndexOf('|')).formatted(product);
        String field = testCase.substring(testCase.lastIndexOf('|') + 1);

        Api.Reply bought = api.post("/api/v1/sale/purchase", body, Api.user("strict-" + UUID.randomUUID()));

        assertThat(bought.status()).as(bought.toString()).isEqualTo(400);
        assertThat(bought.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(fields(bought)).containsExactly(field);
        assertThat(redisStock(product)).isEqualTo(5);
        assertThat(redisBuyers(product)).isZero();
        assertThat(completedOrders(product)).isZero();
    }

    @Test
    void theSeedsPurchaseBodyWithAUserIdIsStillAccepted() {
        UUID product = liveProduct(5, 1);
        String user = "seed-" + UUID.randomUUID();

        Api.Reply bought = api.post("/api/v1/sale/purchase",
                "{\"productId\":\"" + product + "\",\"userId\":\"someone-else\",\"quantity\":1}", Api.user(user));

        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        assertThat(bought.data().path("userId").asString()).isEqualTo(user);
    }

    @Test
    void aSignInNameThatIsNotAStringIsRefused() {
        Api.Reply signedIn = api.post("/api/v1/session", "{\"name\":42}");

        assertThat(signedIn.status()).as(signedIn.toString()).isEqualTo(400);
        assertThat(fields(signedIn)).containsExactly("name");
        assertThat(signedIn.headers().firstValue("Set-Cookie")).isEmpty();
    }

    private static List<String> fields(Api.Reply reply) {
        List<String> fields = new ArrayList<>();
        reply.json().path("errors").forEach(error -> fields.add(error.path("field").asString()));
        return fields;
    }

    private long products() {
        return jdbc.sql("SELECT count(*) FROM products").query(Long.class).single();
    }
}
