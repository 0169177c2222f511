package dev.flashsale.reconciliation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.flashsale.inventory.RepairResult;
import org.jspecify.annotations.Nullable;

/**
 * What one reconciler pass changed.
 *
 * @param ran      false when another instance held the lock (nothing was done here)
 * @param products products looked at
 * @param fullChecks products whose committed orders were compared one by one with Redis and the
 *                 sold counter's ledger (the others passed the quick check)
 * @param repairs  the products where something changed (the others were fine)
 */
public record ReconcileReport(Instant startedAt, Duration took, boolean ran, int products, int fullChecks,
                              List<Repair> repairs, List<String> errors) {

    /**
     * @param released       stale reservations whose order never committed, released
     * @param confirmed      stale reservations whose order did commit, confirmed
     * @param buyersRestored users with an order put back among Redis's buyers
     * @param unitsReclaimed committed units Redis had as free, taken back
     * @param unitsFreed     unit numbers nobody holds, made free again
     * @param rebuilt        the whole Redis state rebuilt from PostgreSQL (the product was quiet)
     * @param soldCounted    units added to {@code sold_quantity} for orders whose event was lost
     * @param fullCheck      whether every committed order was compared (else the quick check passed)
     * @param holdsSettled   holds of orders no longer awaiting payment settled in Redis (paid: the hold
     *                       went; expired or cancelled: the units went back)
     */
    public record Repair(UUID productId, int released, int confirmed, int buyersRestored, int unitsReclaimed,
                         int unitsFreed, int stockBefore, int stockAfter, boolean rebuilt, int soldCounted,
                         boolean fullCheck, int holdsSettled) {

        /** A product checked: its stale reservations settled, nothing else changed (yet). */
        static Repair of(UUID productId, int released, int confirmed, int stock) {
            return new Repair(productId, released, confirmed, 0, 0, 0, stock, stock, false, 0, false, 0);
        }

        /** With what a repair script changed in Redis (nothing if {@code repaired} is null). */
        Repair withRedisRepair(@Nullable RepairResult repaired) {
            if (repaired == null) {
                return this;
            }
            return new Repair(productId, released, confirmed, repaired.buyersRestored(), repaired.unitsReclaimed(),
                    repaired.unitsFreed(), repaired.stockBefore(), repaired.stockAfter(), rebuilt, soldCounted,
                    fullCheck, holdsSettled);
        }

        Repair withRebuilt(boolean rebuilt) {
            return new Repair(productId, released, confirmed, buyersRestored, unitsReclaimed, unitsFreed, stockBefore,
                    stockAfter, rebuilt, soldCounted, fullCheck, holdsSettled);
        }

        Repair withSoldCounted(int soldCounted, boolean fullCheck) {
            return new Repair(productId, released, confirmed, buyersRestored, unitsReclaimed, unitsFreed, stockBefore,
                    stockAfter, rebuilt, soldCounted, fullCheck, holdsSettled);
        }

        Repair withHoldsSettled(int holdsSettled) {
            return new Repair(productId, released, confirmed, buyersRestored, unitsReclaimed, unitsFreed, stockBefore,
                    stockAfter, rebuilt, soldCounted, fullCheck, holdsSettled);
        }

        boolean changedAnything() {
            return released > 0 || confirmed > 0 || buyersRestored > 0 || unitsReclaimed > 0 || unitsFreed > 0
                    || stockBefore != stockAfter || rebuilt || soldCounted > 0 || holdsSettled > 0;
        }
    }
}
