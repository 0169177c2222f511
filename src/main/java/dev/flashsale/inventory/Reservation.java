package dev.flashsale.inventory;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Units held in Redis for one user until their order commits (confirm) or does not (release).
 *
 * @param units   the numbered unit slots this reservation claims; the order stores them and
 *                PostgreSQL refuses a unit that another order holds or that lies beyond the stock
 * @param pending the exact pending mark in Redis, so a release only undoes this reservation
 */
public record Reservation(UUID productId, String userId, int quantity, List<Integer> units, Instant reservedAt,
                          String pending) {

    /** The client address the units count against (a sale with a per-address cap), or null. */
    public String address() {
        // pending = "reservedAtMs:quantity:units:sequence[:address]" (an IPv6 address has colons of its own)
        String[] parts = pending.split(":", 5);
        return parts.length == 5 ? parts[4] : null;
    }
}
