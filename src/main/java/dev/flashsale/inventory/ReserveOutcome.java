package dev.flashsale.inventory;

/** What one reservation attempt came to. Everything but RESERVED is a business rejection. */
public enum ReserveOutcome {
    RESERVED,
    NOT_STARTED,
    ENDED,
    LIMIT_EXCEEDED,
    ALREADY_PURCHASED,
    SOLD_OUT,
    INSUFFICIENT_STOCK,
    /** The client address holds as many units of this sale as its cap allows. */
    ADDRESS_LIMIT_REACHED,
    /** The sale is gated and no purchase token was offered. */
    PURCHASE_TOKEN_REQUIRED,
    /** The token offered is unknown, spent, expired or another user's. */
    PURCHASE_TOKEN_INVALID
}
