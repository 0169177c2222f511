package dev.flashsale.limits;

import java.time.Duration;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;

/**
 * Token buckets of one rate, one per key (an address, a user), in this instance's memory. A key
 * unseen for two periods is forgotten (its bucket would be full again by then anyway); at most
 * {@code maxKeys} are kept, so a crowd of fresh keys cannot grow the heap without bound.
 */
final class LocalBuckets {

    /** A token taken (from a bucket made for this take, or one already there), or the wait for one. */
    record Take(boolean granted, boolean fresh, long nanosToWait) {

        Optional<Duration> refusal() {
            return granted ? Optional.empty() : Optional.of(Duration.ofNanos(nanosToWait));
        }
    }

    private static final Take GRANTED = new Take(true, false, 0);
    private static final Take GRANTED_FRESH = new Take(true, true, 0);

    private final LimitsProperties.Rate rate;
    private final Cache<String, Bucket> buckets;

    LocalBuckets(LimitsProperties.Rate rate, long maxKeys) {
        this.rate = rate;
        this.buckets = Caffeine.newBuilder()
                // the cache's upkeep is done by the callers, a little at a time, instead of waking a
                // pool thread from every request that fills its read buffer
                .executor(Runnable::run)
                .expireAfterAccess(rate.period().multipliedBy(2))
                .maximumSize(maxKeys)
                .build();
    }

    Take take(String key) {
        Bucket bucket = buckets.getIfPresent(key);
        boolean fresh = false;
        if (bucket == null) {
            Bucket made = newBucket(rate);
            bucket = buckets.asMap().putIfAbsent(key, made);
            if (bucket == null) {
                bucket = made;
                fresh = true;
            }
        }
        if (bucket.tryConsume(1)) {
            return fresh ? GRANTED_FRESH : GRANTED;
        }
        return new Take(false, false, bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill());
    }

    static Bucket newBucket(LimitsProperties.Rate rate) {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(rate.capacity()).refillGreedy(rate.capacity(), rate.period()))
                .build();
    }
}
