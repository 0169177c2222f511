package dev.flashsale.limits;

import java.time.Duration;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;

/**
 * Token buckets of one rate, one per key (an address, a user), in this instance's memory. A key
 * unseen for two periods is forgotten (its bucket would be full again by then anyway); at most
 * {@code maxKeys} are kept, so a crowd of fresh keys cannot grow the heap without bound.
 */
final class LocalBuckets {

    private final LimitsProperties.Rate rate;
    private final Cache<String, Bucket> buckets;

    LocalBuckets(LimitsProperties.Rate rate, long maxKeys) {
        this.rate = rate;
        this.buckets = Caffeine.newBuilder()
                .expireAfterAccess(rate.period().multipliedBy(2))
                .maximumSize(maxKeys)
                .build();
    }

    /** Takes one token for the key; empty when granted, else how long until one is back. */
    Optional<Duration> take(String key) {
        ConsumptionProbe probe = buckets.get(key, k -> newBucket(rate)).tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }

    static Bucket newBucket(LimitsProperties.Rate rate) {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(rate.capacity()).refillGreedy(rate.capacity(), rate.period()))
                .build();
    }
}
