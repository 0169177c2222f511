package dev.flashsale.catalog;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A product on sale: what is sold, at what price, how many, to whom, and when.
 *
 * @param perAddressLimit units all orders from one client address may hold, or null for no cap
 * @param gated           purchases need a single-use purchase token
 * @param powDifficulty   leading zero bits of the proof of work that earns a token (0: none)
 * @param holdFor         the payment window: a purchase holds its units until paid within it, or
 *                        expires; null for a sale whose purchase is complete at once
 * @param shards          how many pools the live stock is split into in Redis, each under its own
 *                        hash tag (1: the whole sale on one slot)
 */
public record Product(
        UUID id,
        String name,
        String description,
        BigDecimal price,
        int totalQuantity,
        int soldQuantity,
        int perUserLimit,
        Instant saleStartAt,
        Instant saleEndAt,
        Instant createdAt,
        Instant updatedAt,
        Integer perAddressLimit,
        boolean gated,
        int powDifficulty,
        @Nullable Duration holdFor,
        int shards) {

    /** Whether a purchase goes through the per-sale bot controls (the address cap or the token gate). */
    public boolean controlled() {
        return gated || perAddressLimit != null;
    }

    /** The sale window is half-open: it opens at {@code saleStartAt} and is over at {@code saleEndAt}. */
    public SaleState stateAt(Instant now) {
        if (now.isBefore(saleStartAt)) {
            return SaleState.UPCOMING;
        }
        return now.isBefore(saleEndAt) ? SaleState.ACTIVE : SaleState.ENDED;
    }
}
