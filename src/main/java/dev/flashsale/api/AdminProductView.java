package dev.flashsale.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

import dev.flashsale.catalog.Product;
import io.swagger.v3.oas.annotations.media.Schema;

/** A product as its admin sees it. */
@Schema(name = "AdminProduct")
public record AdminProductView(
        UUID id,
        UUID productId,
        String name,
        @Schema(nullable = true) String description,
        BigDecimal price,
        int totalQuantity,
        @Schema(description = "units left in Redis, live") int availableQuantity,
        @Schema(description = "units in committed orders as counted by the outbox listener (eventually consistent)")
        int soldQuantity,
        int perUserLimit,
        @Schema(allowableValues = {"upcoming", "active", "ended"}) String status,
        Instant saleStartAt,
        Instant saleEndAt,
        Instant createdAt,
        Instant updatedAt,
        @Schema(description = "units all orders from one client address may hold; null: no cap", nullable = true)
        Integer perAddressLimit,
        @Schema(description = "purchases need a purchase token") boolean gated,
        @Schema(description = "leading zero bits of the proof of work a token costs (0: none)") int powDifficulty,
        @Schema(description = "the payment window (ISO-8601); null: a purchase is complete at once", nullable = true,
                type = "string", example = "PT10M") Duration holdFor,
        @Schema(description = "pools the live stock is split into, each on its own Redis hash slot (1: not split)",
                example = "1") int shards) {

    static AdminProductView of(Product p, int available, Instant now) {
        return new AdminProductView(p.id(), p.id(), p.name(), p.description(), p.price(), p.totalQuantity(), available,
                p.soldQuantity(), p.perUserLimit(), p.stateAt(now).name().toLowerCase(Locale.ROOT), p.saleStartAt(),
                p.saleEndAt(), p.createdAt(), p.updatedAt(), p.perAddressLimit(), p.gated(), p.powDifficulty(), p.holdFor(),
                p.shards());
    }
}
