package dev.flashsale.inventory;

import java.time.Instant;

import dev.flashsale.catalog.Product;

/** Lets tests outside this package reserve at a chosen moment (as a process that died long ago did). */
public final class InventoryTestAccess {

    private InventoryTestAccess() {
    }

    public static Reservation reserveAt(Inventory inventory, Product product, String userId, int quantity, Instant at) {
        ReserveResult result = inventory.reserveAt(product, userId, quantity, at);
        if (!(result instanceof ReserveResult.Reserved reserved)) {
            throw new IllegalStateException("not reserved: " + result.outcome());
        }
        return reserved.reservation();
    }
}
