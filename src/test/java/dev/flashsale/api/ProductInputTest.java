package dev.flashsale.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sale's text and window are refused with a 400 naming the field, and nothing is written, when
 * the database could not store them as sent: a NUL character, a date out of any sale's reach.
 */
class ProductInputTest extends IntegrationTest {

    private static final String FAR = "+999999999-12-31T23:59:59Z";

    @ParameterizedTest
    @ValueSource(strings = {FAR, "0001-01-01T00:00:00Z", "-0044-03-15T12:00:00Z", "+200000-01-01T00:00:00Z",
            "1500-03-01T00:00:00Z", "1999-12-31T23:59:59Z", "3000-01-01T00:00:00Z"})
    void aSaleWindowOutsideTheYears2000To2999IsRefusedAndNothingIsWritten(String moment) {
        long products = products();

        Api.Reply created = api.post("/api/v1/admin/products", Api.json(body("saleStartAt", moment)), Api.admin());

        assertThat(created.status()).as(created.toString()).isEqualTo(400);
        assertThat(created.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(created.json().path("error").asString()).contains("saleStartAt");
        assertThat(products()).isEqualTo(products);
    }

    @Test
    void aNumberIsNotASaleMoment() {
        long products = products();

        Api.Reply created = api.post("/api/v1/admin/products",
                Api.json(Map.of("name", "n", "price", 1, "totalQuantity", 5, "saleStartAt", 1_800_000_000)), Api.admin());

        assertThat(created.status()).as(created.toString()).isEqualTo(400);
        assertThat(created.json().path("errors").toString()).contains("saleStartAt").doesNotContain("price");
        assertThat(products()).isEqualTo(products);
    }

    @Test
    void aFarDateInAChangeIsRefusedAndTheSaleKeepsItsWindow() {
        UUID product = liveProduct(5, 1);
        String before = status(product).path("saleEndAt").asString();

        Api.Reply changed = api.patch("/api/v1/admin/products/" + product, Api.json(Map.of("saleEndAt", FAR)), Api.admin());

        assertThat(changed.status()).as(changed.toString()).isEqualTo(400);
        assertThat(changed.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(status(product).path("saleEndAt").asString()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"name", "description"})
    void aNulCharacterIsRefusedOnCreateAndNothingIsWritten(String field) {
        long products = products();

        Api.Reply created = api.post("/api/v1/admin/products", Api.json(body(field, "a\u0000b")), Api.admin());

        assertThat(created.status()).as(created.toString()).isEqualTo(400);
        assertThat(created.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(created.json().path("error").asString()).contains(field);
        assertThat(products()).isEqualTo(products);
    }

    @Test
    void aNulCharacterWithAStockRaiseIsABadRequestAndChangesNeitherStore() {
        UUID product = liveProduct(5, 1);

        Api.Reply changed = api.patch("/api/v1/admin/products/" + product,
                Api.json(Map.of("description", "a\u0000b", "totalQuantity", 50)), Api.admin());

        assertThat(changed.status()).as(changed.toString()).isEqualTo(400);
        assertThat(changed.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(status(product).path("totalQuantity").asInt()).isEqualTo(5);
        assertThat(status(product).path("availableQuantity").asInt()).isEqualTo(5);
    }

    private static Map<String, Object> body(String field, Object value) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "Input test " + UUID.randomUUID());
        body.put("price", new java.math.BigDecimal("9.99"));
        body.put("totalQuantity", 5);
        body.put(field, value);
        return body;
    }

    private long products() {
        return jdbc.sql("SELECT count(*) FROM products").query(Long.class).single();
    }
}
