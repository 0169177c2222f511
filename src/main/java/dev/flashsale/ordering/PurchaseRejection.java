package dev.flashsale.ordering;

/** Why a purchase did not happen. Every one of them is a business outcome, never a failure. */
public enum PurchaseRejection {
    PRODUCT_NOT_FOUND,
    SALE_NOT_STARTED,
    SALE_ENDED,
    QUANTITY_ABOVE_LIMIT,
    ALREADY_PURCHASED,
    SOLD_OUT,
    INSUFFICIENT_STOCK,
    /** Redis and PostgreSQL disagreed about a unit; the product is flagged and the buyer may retry. */
    INVENTORY_CONFLICT,
    /** The sale caps the units per client address, and this address holds as many as it may. */
    ADDRESS_LIMIT_REACHED,
    /** The sale is gated: a purchase needs a purchase token. */
    PURCHASE_TOKEN_REQUIRED,
    /** The purchase token is unknown, spent, expired or another user's. */
    PURCHASE_TOKEN_INVALID
}
