package dev.flashsale.api;

import java.util.UUID;

import io.swagger.v3.oas.annotations.media.Schema;

/** Whether the caller bought the product, and the order if so (the seed's shape). */
@Schema(name = "UserStatus")
public record UserStatusView(UUID productId, String userId, boolean hasPurchased,
                             @Schema(description = "the completed order; null if none", nullable = true) OrderView order) {
}
