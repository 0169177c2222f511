package dev.flashsale.inventory;

/**
 * The result of changing a product's total stock in Redis.
 *
 * @param outcome   CHANGED, BELOW_SOLD (the new total is below what is sold or reserved) or
 *                  UNITS_IN_USE (a unit number above the new total is sold or reserved)
 * @param value     CHANGED: the live stock after the change; BELOW_SOLD: units sold or reserved;
 *                  UNITS_IN_USE: the highest unit number in use
 * @param oldTotal  the total before the change (CHANGED only)
 */
public record StockChange(Outcome outcome, int value, int oldTotal) {

    public enum Outcome { CHANGED, BELOW_SOLD, UNITS_IN_USE }

    public boolean changed() {
        return outcome == Outcome.CHANGED;
    }
}
