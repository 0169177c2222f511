package dev.flashsale.ordering;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * An order was committed. Published in the order's own transaction and delivered to listeners
 * after the commit through the transactional outbox (Spring Modulith's publication registry).
 */
public record OrderPlaced(
        UUID orderId,
        UUID productId,
        String userId,
        int quantity,
        BigDecimal unitPrice,
        Instant placedAt) {
}
