package dev.flashsale.inventory;

/**
 * What {@link Inventory#repair} changed in Redis.
 *
 * @param buyersRestored users with a committed order added back to the buyers
 * @param unitsReclaimed committed units that Redis had as free, taken out of the free units
 * @param unitsFreed     unit numbers below the highest committed one that nobody holds, made free
 */
public record RepairResult(int buyersRestored, int unitsReclaimed, int unitsFreed, int stockBefore, int stockAfter) {

    public boolean changedAnything() {
        return buyersRestored > 0 || unitsReclaimed > 0 || unitsFreed > 0 || stockBefore != stockAfter;
    }
}
