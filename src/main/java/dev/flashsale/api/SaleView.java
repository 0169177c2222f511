package dev.flashsale.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

import dev.flashsale.catalog.Product;
import io.swagger.v3.oas.annotations.media.Schema;

/** A sale as the public sees it, with the seed's field names. */
@Schema(name = "SaleStatus")
public record SaleView(
        UUID productId,
        String productName,
        @Schema(nullable = true) String description,
        @Schema(allowableValues = {"upcoming", "active", "ended"}) String status,
        @Schema(description = "true when no unit is left") boolean soldOut,
        @Schema(description = "units left, live") int availableQuantity,
        int totalQuantity,
        @Schema(description = "units sold or being paid for right now (total − available)") int soldQuantity,
        BigDecimal price,
        int perUserLimit,
        Instant saleStartAt,
        Instant saleEndAt,
        @Schema(description = "true while Redis is unavailable: the stock then comes from PostgreSQL's sold "
                + "counter, which may lag by the outbox backlog; purchases are refused meanwhile (503)")
        boolean degraded,
        @Schema(description = "purchases need a purchase token (GET /sale/challenge, POST /sale/purchase-token)")
        boolean gated,
        @Schema(description = "the payment window a purchase gets (ISO-8601), null if a purchase is complete at once",
                nullable = true, type = "string", example = "PT10M") Duration holdFor) {

    static SaleView of(Product p, int available, Instant now) {
        return of(p, available, now, false);
    }

    static SaleView of(Product p, int available, Instant now, boolean degraded) {
        return new SaleView(p.id(), p.name(), p.description(), p.stateAt(now).name().toLowerCase(Locale.ROOT),
                available <= 0, available, p.totalQuantity(), p.totalQuantity() - available, p.price(),
                p.perUserLimit(), p.saleStartAt(), p.saleEndAt(), degraded, p.gated(), p.holdFor());
    }

    /** The view from PostgreSQL alone, for when Redis cannot be reached. */
    static SaleView fromDatabase(Product p, Instant now) {
        return of(p, Math.max(0, p.totalQuantity() - p.soldQuantity()), now, true);
    }
}
