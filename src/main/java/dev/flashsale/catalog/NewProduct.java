package dev.flashsale.catalog;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/**
 * A product to put on sale; the caller has validated it ({@code holdFor}: null for no payment window;
 * {@code shards}: 1 keeps the sale on one Redis slot).
 */
public record NewProduct(
        String name,
        String description,
        BigDecimal price,
        int totalQuantity,
        int perUserLimit,
        Instant saleStartAt,
        Instant saleEndAt,
        Integer perAddressLimit,
        boolean gated,
        int powDifficulty,
        Duration holdFor,
        int shards) {

    /** A sale without bot controls. */
    public NewProduct(String name, String description, BigDecimal price, int totalQuantity, int perUserLimit,
                      Instant saleStartAt, Instant saleEndAt) {
        this(name, description, price, totalQuantity, perUserLimit, saleStartAt, saleEndAt, null, false, 0, null, 1);
    }
}
