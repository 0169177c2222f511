package dev.flashsale.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import dev.flashsale.ordering.Order;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * A committed order; carries both the brief's names (orderId, purchasedAt) and the seed's (id,
 * createdAt). Of a sale with a payment window it awaits payment until {@code payBy}.
 */
@Schema(name = "Order")
public record OrderView(
        UUID orderId,
        @Schema(description = "same as orderId (the seed's name)") UUID id,
        UUID productId,
        String userId,
        int quantity,
        @Schema(description = "unit price") BigDecimal price,
        BigDecimal total,
        @Schema(allowableValues = {"completed", "awaiting_payment", "expired", "cancelled"},
                description = "awaiting_payment: the unit is yours if paid by payBy; completed: it is yours")
        String status,
        Instant purchasedAt,
        @Schema(description = "same as purchasedAt (the seed's name)") Instant createdAt,
        @Schema(description = "the deadline of an order awaiting payment (a sale with a payment window); null otherwise",
                nullable = true) Instant payBy) {

    static OrderView of(Order o) {
        return new OrderView(o.id(), o.id(), o.productId(), o.userId(), o.quantity(), o.unitPrice(), o.total(),
                o.status().value(), o.createdAt(), o.createdAt(), o.payBy());
    }
}
