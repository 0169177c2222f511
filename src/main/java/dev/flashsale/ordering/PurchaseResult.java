package dev.flashsale.ordering;

import java.time.Duration;

/** What a purchase attempt came to. */
public sealed interface PurchaseResult {

    /** The order is committed in PostgreSQL. */
    record Purchased(Order order) implements PurchaseResult {
    }

    record Rejected(PurchaseRejection reason, String message) implements PurchaseResult {
    }

    /** Too many attempts by this user: nothing was looked at; try again after {@code retryAfter}. */
    record Throttled(Duration retryAfter) implements PurchaseResult {
    }
}
