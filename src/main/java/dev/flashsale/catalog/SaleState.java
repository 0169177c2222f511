package dev.flashsale.catalog;

/** Where a product's sale window stands at a given moment. */
public enum SaleState {
    UPCOMING, ACTIVE, ENDED
}
