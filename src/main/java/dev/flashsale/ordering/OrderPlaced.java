package dev.flashsale.ordering;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * An order was committed. Orders are published in batches, as {@link OrdersPlaced} (one per
 * transaction); outbox rows written before group commit hold single OrderPlaced events, and
 * listeners still accept them.
 */
public record OrderPlaced(
        UUID orderId,
        UUID productId,
        String userId,
        int quantity,
        BigDecimal unitPrice,
        Instant placedAt) {
}
