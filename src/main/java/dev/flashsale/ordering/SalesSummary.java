package dev.flashsale.ordering;

/**
 * A product's completed orders in three numbers, read without visiting every order's units (the
 * reconciler's quick check).
 *
 * @param orders      completed orders (one per buyer: I2)
 * @param quantity    units they hold
 * @param highestUnit the highest unit number sold, 0 if none
 */
public record SalesSummary(long orders, long quantity, int highestUnit) {
}
