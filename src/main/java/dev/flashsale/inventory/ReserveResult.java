package dev.flashsale.inventory;

/**
 * @param reservation present only when the outcome is RESERVED
 * @param stockLeft   units left after this attempt (for RESERVED and INSUFFICIENT_STOCK), else -1
 * @param limit       the per-user limit (for LIMIT_EXCEEDED) or the per-address one (for
 *                    ADDRESS_LIMIT_REACHED), else -1
 */
public record ReserveResult(ReserveOutcome outcome, Reservation reservation, int stockLeft, int limit) {

    static ReserveResult rejected(ReserveOutcome outcome) {
        return new ReserveResult(outcome, null, -1, -1);
    }
}
