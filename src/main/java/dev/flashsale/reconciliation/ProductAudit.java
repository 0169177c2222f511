package dev.flashsale.reconciliation;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One product, Redis and PostgreSQL side by side, and whether each invariant holds.
 *
 * @param outboxPending deliveries not completed yet for this product's orders
 * @param invariants    I1, I2, I4, I5 and "redis" (Redis agrees with the committed orders)
 */
public record ProductAudit(UUID productId, String name, int totalQuantity, int perUserLimit, Instant auditedAt,
                           RedisSide redis, DatabaseSide database, long outboxPending,
                           Map<String, Verdict> invariants, boolean allHold) {

    /**
     * @param buyersMissing users with a completed order that Redis does not have as buyers
     * @param unitsMisplaced committed units Redis has as free or above its issued mark
     */
    public record RedisSide(boolean present, int stock, int issued, int freeUnits, long buyers, long buyersMissing,
                            long unitsMisplaced, List<PendingReservation> pending) {
    }

    /** @param committed whether PostgreSQL already holds this user's order (the mark just was not dropped yet) */
    public record PendingReservation(String userId, int quantity, List<Integer> units, long ageMs, boolean committed) {
    }

    /** @param countedQuantity units the sold counter has counted (its ledger) */
    public record DatabaseSide(long completedOrders, long completedQuantity, long distinctBuyers, long units,
                               long distinctUnits, long unitsOutOfRange, long ordersAboveLimit, int soldQuantity,
                               long countedQuantity) {
    }

    public record Verdict(boolean holds, String detail) {
    }
}
