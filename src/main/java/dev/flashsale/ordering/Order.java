package dev.flashsale.ordering;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A committed purchase. */
public record Order(
        UUID id,
        String userId,
        UUID productId,
        int quantity,
        BigDecimal unitPrice,
        OrderStatus status,
        Instant createdAt) {

    public BigDecimal total() {
        return unitPrice.multiply(BigDecimal.valueOf(quantity));
    }
}
