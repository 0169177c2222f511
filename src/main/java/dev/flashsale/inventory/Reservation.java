package dev.flashsale.inventory;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * Units held in Redis for one user until their order commits (confirm) or does not (release).
 *
 * @param units   the numbered unit slots this reservation claims; the order stores them and
 *                PostgreSQL refuses a unit that another order holds or that lies beyond the stock
 * @param pending the exact pending mark in Redis, so a release only undoes this reservation
 * @param shard   where the pending mark is: the sale, or the user's home shard of a split sale
 * @param loan    of a split sale whose units another shard lent: the mark on that shard (this
 *                reservation's own mark, on the home shard, then claims the user's place and no units)
 */
public record Reservation(UUID productId, String userId, int quantity, List<Integer> units, Instant reservedAt,
                          String pending, SaleShards.SaleShard shard, @Nullable Reservation loan) {

    /** A loan: the mark on a shard of a split sale that is not the user's home. */
    public boolean lent() {
        return shard.index() != SaleShards.home(userId, shard.count());
    }

    /** The client address the units count against (a sale with a per-address cap), or null. */
    public String address() {
        // pending = "reservedAtMs:quantity:units:sequence[:address]" (an IPv6 address has colons of its own)
        String[] parts = pending.split(":", 5);
        return parts.length == 5 ? parts[4] : null;
    }
}
