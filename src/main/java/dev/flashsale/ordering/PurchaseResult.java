package dev.flashsale.ordering;

/** What a purchase attempt came to. */
public sealed interface PurchaseResult {

    /** The order is committed in PostgreSQL. */
    record Purchased(Order order) implements PurchaseResult {
    }

    record Rejected(PurchaseRejection reason, String message) implements PurchaseResult {
    }
}
