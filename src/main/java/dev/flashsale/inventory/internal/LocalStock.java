package dev.flashsale.inventory.internal;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this instance last learnt of each product's stock, trusted for a moment: status reads are
 * answered without a Redis call, and once a product is sold out, purchase attempts are refused
 * without one (99 % of a flash sale's traffic). Local changes (a release, once Redis has the units
 * back; a stock change, a rebuild) and changes announced by other instances forget the entry at
 * once; changes made through other instances and not announced show within the TTL.
 *
 * <p>A stock is remembered only if the product was not forgotten while it was being read: the
 * reader takes the product's {@link #generation} before asking Redis and hands it back with what
 * Redis said. Otherwise a read that Redis answered just before a change, and that returned just
 * after the change was forgotten, would bring the old stock back for a whole TTL.
 */
public final class LocalStock {

    /** A stock seen at a moment; {@code stock} is null once forgotten. Each forget starts a new generation. */
    private record Seen(Integer stock, long atNanos, long generation) {
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
        return s != null && s.stock != null && System.nanoTime() - s.atNanos < ttlNanos ? s.stock : null;
    }

    public boolean soldOut(UUID productId) {
        Integer stock = fresh(productId);
        return stock != null && stock <= 0;
    }

    /** To be taken before reading the stock, and given to {@link #saw} with what was read. */
    public long generation(UUID productId) {
        Seen s = seen.get(productId);
        return s == null ? 0 : s.generation;
    }

    /** Remembers a stock read since {@code generation} was taken, unless the product was forgotten meanwhile. */
    public void saw(UUID productId, int stock, long generation) {
        if (ttlNanos > 0) {
            seen.compute(productId, (id, s) -> (s == null ? 0 : s.generation) == generation
                    ? new Seen(stock, System.nanoTime(), generation) : s);
        }
    }

    public void forget(UUID productId) {
        if (ttlNanos > 0) {
            seen.compute(productId, (id, s) -> new Seen(null, 0, s == null ? 1 : s.generation + 1));
        }
    }
}
