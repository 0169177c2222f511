package dev.flashsale.ordering;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A committed purchase.
 *
 * @param payBy the deadline of an order awaiting payment (null for an order sold without a payment window)
 */
public record Order(
        UUID id,
        String userId,
        UUID productId,
        int quantity,
        BigDecimal unitPrice,
        OrderStatus status,
        Instant createdAt,
        @Nullable Instant payBy) {

    public BigDecimal total() {
        return unitPrice.multiply(BigDecimal.valueOf(quantity));
    }
}
