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
    INVENTORY_CONFLICT
}
