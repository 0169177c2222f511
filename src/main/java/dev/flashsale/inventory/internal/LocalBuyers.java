package dev.flashsale.inventory.internal;

import java.time.Duration;
import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Users this instance knows have bought a product: for ten minutes those whose order it committed
 * itself (an order is never taken back), briefly those Redis called buyers (their reservation may
 * still fail and be released). A second attempt by a known buyer is refused without a Redis call.
 */
public final class LocalBuyers {

    private final Cache<String, Boolean> committed;
    private final Cache<String, Boolean> reported;

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

    public void reported(UUID productId, String userId) {
        reported.put(key(productId, userId), Boolean.TRUE);
    }

    public void forget(UUID productId, String userId) {
        String key = key(productId, userId);
        committed.invalidate(key);
        reported.invalidate(key);
    }

    private static String key(UUID productId, String userId) {
        return productId + "/" + userId;
    }
}
