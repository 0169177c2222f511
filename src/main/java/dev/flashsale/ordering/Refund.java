package dev.flashsale.ordering;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A payment the provider reported that is money to give back, and why. */
public record Refund(String eventId, UUID orderId, UUID productId, String userId, BigDecimal amount,
                     RefundReason reason, Instant receivedAt) {
}
