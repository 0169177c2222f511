package dev.flashsale.ordering;

/**
 * A product's orders as PostgreSQL has them, read in one statement.
 *
 * @param completedOrders   orders completed (paid, or sold without a payment window)
 * @param completedQuantity units in completed orders
 * @param awaitingOrders    orders awaiting payment (they hold their units until paid or expired)
 * @param awaitingQuantity  units in orders awaiting payment
 * @param distinctBuyers    users holding a completed order or one awaiting payment
 * @param units             unit rows held by orders
 * @param distinctUnits     distinct unit numbers among them (equal to {@code units} unless a unit is held twice)
 * @param unitsOutOfRange   unit numbers below 1 or above the stock
 * @param ordersAboveLimit  completed or awaiting orders for more than the per-user limit
 * @param refundedCompleted completed orders whose payment was refused (late, or after the buyer cancelled)
 * @param completedUnpaid   orders of a payment window completed without a recorded payment
 */
public record OrderStats(long completedOrders, long completedQuantity, long awaitingOrders, long awaitingQuantity,
                         long distinctBuyers, long units, long distinctUnits, long unitsOutOfRange,
                         long ordersAboveLimit, long refundedCompleted, long completedUnpaid) {

    /** Orders holding units: completed or awaiting payment. */
    public long takenOrders() {
        return completedOrders + awaitingOrders;
    }

    /** Units held by orders: completed or awaiting payment. */
    public long takenQuantity() {
        return completedQuantity + awaitingQuantity;
    }
}
