package dev.flashsale.catalog;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A product on sale: what is sold, at what price, how many, to whom, and when. */
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
        Instant updatedAt) {

    /** The sale window is half-open: it opens at {@code saleStartAt} and is over at {@code saleEndAt}. */
    public SaleState stateAt(Instant now) {
        if (now.isBefore(saleStartAt)) {
            return SaleState.UPCOMING;
        }
        return now.isBefore(saleEndAt) ? SaleState.ACTIVE : SaleState.ENDED;
    }
}
