package dev.flashsale.inventory;

import java.util.List;

/**
 * A product's sale state as Redis holds it right now (for the audit and the reconciler).
 *
 * @param present   false when Redis has no state for the product (it is rebuilt on first use)
 * @param issued    the highest unit number handed out so far
 * @param freeUnits released unit numbers waiting to be handed out again
 * @param holds     orders awaiting payment whose units Redis holds for them
 */
public record RedisSaleState(boolean present, int total, int stock, int issued, int freeUnits, long buyers,
                             long holds, List<Reservation> pending) {
}
