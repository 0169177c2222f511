package dev.flashsale.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import dev.flashsale.ordering.Order;
import io.swagger.v3.oas.annotations.media.Schema;

/** One of the caller's orders, with the product's name (for "My orders"). */
@Schema(name = "UserOrder")
public record UserOrderView(
        UUID orderId,
        UUID productId,
        @Schema(description = "null if the product no longer exists", nullable = true) String productName,
        int quantity,
        @Schema(description = "unit price") BigDecimal price,
        BigDecimal total,
        @Schema(allowableValues = {"completed", "awaiting_payment", "expired", "cancelled"}) String status,
        Instant purchasedAt,
        @Schema(description = "the deadline of an order awaiting payment; null otherwise", nullable = true)
        Instant payBy) {

    static UserOrderView of(Order o, String productName) {
        return new UserOrderView(o.id(), o.productId(), productName, o.quantity(), o.unitPrice(), o.total(),
                o.status().value(), o.createdAt(), o.payBy());
    }
}
