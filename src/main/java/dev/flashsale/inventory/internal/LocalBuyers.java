package dev.flashsale.inventory.internal;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Users this instance knows have bought a product: for ten minutes those whose order it committed
 * itself (an order is never taken back), briefly those Redis called buyers (their reservation may
 * still fail and be released). A second attempt by a known buyer is refused without a Redis call.
 *
 * <p>A buyer Redis reported is remembered only if no buyer was forgotten while Redis was being
 * asked: the caller takes the {@link #generation} before the call and hands it back with the
 * answer. Otherwise an answer given just before a release, and stored just after its forget,
 * would refuse the released user for a while. Forgets are rare (a release, an expired hold), so
 * one generation for all buyers costs a few extra Redis calls at most.
 */
public final class LocalBuyers {

    private final Cache<String, Boolean> committed;
    private final Cache<String, Boolean> reported;
    private final AtomicLong forgets = new AtomicLong();

    public LocalBuyers(Duration reportedFor) {
        this.committed = Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(10)).maximumSize(200_000).build();
        this.reported = Caffeine.newBuilder().expireAfterWrite(reportedFor).maximumSize(200_000).build();
    }

    public boolean known(UUID productId, String userId) {
        String key = key(productId, userId);
        return committed.getIfPresent(key) != null || reported.getIfPresent(key) != null;
    }

    public void committed(UUID productId, String userId) {
        committed.put(key(productId, userId), Boolean.TRUE);
    }

    /** To be taken before asking Redis, and given to {@link #reported} with its answer. */
    public long generation() {
        return forgets.get();
    }

    /** Remembers a buyer Redis reported since {@code generation} was taken, unless a buyer was forgotten meanwhile. */
    public void reported(UUID productId, String userId, long generation) {
        String key = key(productId, userId);
        reported.put(key, Boolean.TRUE);
        // stored first, checked after: a forget either comes later and removes it, or is seen here
        if (forgets.get() != generation) {
            reported.invalidate(key);
        }
    }

    public void forget(UUID productId, String userId) {
        forgets.incrementAndGet();
        String key = key(productId, userId);
        committed.invalidate(key);
        reported.invalidate(key);
    }

    private static String key(UUID productId, String userId) {
        return productId + "/" + userId;
    }
}
