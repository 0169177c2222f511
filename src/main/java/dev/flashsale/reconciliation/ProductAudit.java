package dev.flashsale.reconciliation;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One product, Redis and PostgreSQL side by side, and whether each invariant holds.
 *
 * @param outboxPending deliveries not completed yet for this product's orders
 * @param invariants    I1, I2, I4, I5, "redis" (Redis agrees with the committed orders) and
 *                      "payments" (no refused payment completed an order, every paid hold has its payment)
 */
public record ProductAudit(UUID productId, String name, int totalQuantity, int perUserLimit, Instant auditedAt,
                           RedisSide redis, DatabaseSide database, long outboxPending,
                           Map<String, Verdict> invariants, boolean allHold) {

    /**
     * @param holds          orders awaiting payment whose units Redis holds for them
     * @param buyersMissing  users with an order holding units that Redis does not have as buyers
     * @param unitsMisplaced committed units Redis has as free or above its issued mark
     */
    public record RedisSide(boolean present, int stock, int issued, int freeUnits, long buyers, long holds,
                            long buyersMissing, long unitsMisplaced, List<PendingReservation> pending) {
    }

    /** @param committed whether PostgreSQL already holds this user's order (the mark just was not dropped yet) */
    public record PendingReservation(String userId, int quantity, List<Integer> units, long ageMs, boolean committed) {
    }

    /**
     * @param awaitingOrders    orders awaiting payment (they hold their units like completed ones)
     * @param distinctBuyers    users with a completed order or one awaiting payment
     * @param countedQuantity   units the sold counter has counted (its ledger)
     * @param refundedCompleted completed orders whose payment was refused (late, or after a cancel): never any
     * @param completedUnpaid   orders of a payment window completed without a recorded payment: never any
     */
    public record DatabaseSide(long completedOrders, long completedQuantity, long awaitingOrders, long awaitingQuantity,
                               long distinctBuyers, long units, long distinctUnits, long unitsOutOfRange,
                               long ordersAboveLimit, int soldQuantity, long countedQuantity, long refundedCompleted,
                               long completedUnpaid) {
    }

    public record Verdict(boolean holds, String detail) {
    }
}
