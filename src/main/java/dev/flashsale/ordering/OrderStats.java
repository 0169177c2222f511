package dev.flashsale.ordering;

/**
 * A product's completed orders as PostgreSQL has them.
 *
 * @param units            unit rows held by orders
 * @param distinctUnits    distinct unit numbers among them (equal to {@code units} unless a unit is held twice)
 * @param unitsOutOfRange  unit numbers below 1 or above the stock
 * @param ordersAboveLimit completed orders for more than the per-user limit
 */
public record OrderStats(long completedOrders, long completedQuantity, long distinctBuyers, long units,
                         long distinctUnits, long unitsOutOfRange, long ordersAboveLimit) {
}
