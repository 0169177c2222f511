package dev.flashsale.inventory.internal;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this instance last learnt of each product's stock, trusted for a moment: status reads are
 * answered without a Redis call, and once a product is sold out, purchase attempts are refused
 * without one (99 % of a flash sale's traffic). Local changes (a release, a stock change, a
 * rebuild) forget the entry at once; changes made through other instances show within the TTL.
 */
public final class LocalStock {

    private record Seen(int stock, long atNanos) {
    }

    private final long ttlNanos;
    private final ConcurrentHashMap<UUID, Seen> seen = new ConcurrentHashMap<>();

    public LocalStock(Duration ttl) {
        this.ttlNanos = ttl.toNanos();
    }

    /** The stock seen less than a TTL ago, or null. */
    public Integer fresh(UUID productId) {
        if (ttlNanos <= 0) {
            return null;
        }
        Seen s = seen.get(productId);
        return s != null && System.nanoTime() - s.atNanos < ttlNanos ? s.stock : null;
    }

    public boolean soldOut(UUID productId) {
        Integer stock = fresh(productId);
        return stock != null && stock <= 0;
    }

    public void saw(UUID productId, int stock) {
        if (ttlNanos > 0) {
            seen.put(productId, new Seen(stock, System.nanoTime()));
        }
    }

    public void forget(UUID productId) {
        seen.remove(productId);
    }
}
