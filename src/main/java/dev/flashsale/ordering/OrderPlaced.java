package dev.flashsale.ordering;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * An order was committed; orders are published in batches, as {@link OrdersPlaced} (one per
 * transaction).
 */
public record OrderPlaced(
        UUID orderId,
        UUID productId,
        String userId,
        int quantity,
        BigDecimal unitPrice,
        Instant placedAt) {
}
