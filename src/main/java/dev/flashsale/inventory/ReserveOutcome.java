package dev.flashsale.inventory;

/** What one reservation attempt came to. Everything but RESERVED is a business rejection. */
public enum ReserveOutcome {
    RESERVED,
    NOT_STARTED,
    ENDED,
    LIMIT_EXCEEDED,
    ALREADY_PURCHASED,
    SOLD_OUT,
    INSUFFICIENT_STOCK
}
