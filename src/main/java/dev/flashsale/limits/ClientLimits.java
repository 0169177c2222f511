package dev.flashsale.limits;

import java.time.Duration;
import java.util.Optional;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How often one client address or one user may try to buy or read a sale. Each check answers
 * empty when the request may go on, or how long the caller should wait ({@code Retry-After}).
 *
 * <p>The address limits are buckets in this instance's memory, asked for every request: a lookup
 * and a compare-and-set, no network. The user limits are asked only for purchase attempts that
 * this instance cannot answer from memory (an answer from memory costs no more than the check):
 * first a bucket in memory, then one per user in Redis, shared by every instance, so that however
 * many instances a user spreads attempts over, at most its rate reaches the reservation script.
 * If Redis cannot answer, the attempt goes on: the reservation that follows meets the same outage
 * and answers 503.
 */
public class ClientLimits {

    private static final Logger log = LoggerFactory.getLogger(ClientLimits.class);
    private static final long MAX_KEYS = 200_000;

    private final boolean enabled;
    private final LocalBuckets purchasesByAddress;
    private final LocalBuckets purchasesByUser;
    private final LocalBuckets readsByAddress;
    private final SharedBuckets shared;
    private final BucketConfiguration sharedPurchasesByUser;
    private final Refusals refusals;

    ClientLimits(LimitsProperties properties, SharedBuckets shared, MeterRegistry meters) {
        this.enabled = properties.enabled();
        this.purchasesByAddress = new LocalBuckets(properties.purchasePerAddress(), MAX_KEYS);
        this.purchasesByUser = new LocalBuckets(properties.purchasePerUser(), MAX_KEYS);
        this.readsByAddress = new LocalBuckets(properties.readsPerAddress(), MAX_KEYS);
        this.shared = shared;
        LimitsProperties.Rate perUser = properties.purchasePerUser();
        this.sharedPurchasesByUser = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(perUser.capacity()).refillGreedy(perUser.capacity(), perUser.period()))
                .build();
        this.refusals = new Refusals(meters, "purchase-per-address", "reads-per-address", "purchase-per-user",
                "purchase-per-user-shared");
    }

    public boolean enabled() {
        return enabled;
    }

    /** A purchase attempt from this address (every attempt, before anything else is looked at). */
    public Optional<Duration> purchaseFrom(String address) {
        return enabled ? refusals.count("purchase-per-address", purchasesByAddress.take(address).refusal()) : Optional.empty();
    }

    /** A status read, sale list or stream opening from this address. */
    public Optional<Duration> readFrom(String address) {
        return enabled ? refusals.count("reads-per-address", readsByAddress.take(address).refusal()) : Optional.empty();
    }

    /** A gated sale's token request by this user, counted on this instance with the purchase attempts. */
    public Optional<Duration> purchaseBy(String userId) {
        return enabled ? refusals.count("purchase-per-user", purchasesByUser.take(userId).refusal()) : Optional.empty();
    }

    /**
     * A purchase attempt by this user that is about to reach Redis: counted on this instance, then
     * across all instances. A user's first attempt on this instance (its bucket here is new) is
     * not asked of Redis: a crowd of new users would otherwise pay a Redis round trip pair each
     * for a limit none of them is near; a user spreading attempts over N instances gets at most N
     * such attempts past the shared limit per period.
     */
    public Optional<Duration> purchaseReachingRedisBy(String userId) {
        if (!enabled) {
            return Optional.empty();
        }
        LocalBuckets.Take local = purchasesByUser.take(userId);
        if (!local.granted()) {
            return refusals.count("purchase-per-user", local.refusal());
        }
        if (local.fresh()) {
            return Optional.empty();
        }
        ConsumptionProbe probe;
        try {
            probe = shared.take("fs:limits:purchase:" + userId, sharedPurchasesByUser);
        } catch (RuntimeException redisDown) {
            log.debug("shared purchase limit not checked: {}", redisDown.toString());
            return Optional.empty();
        }
        return refusals.count("purchase-per-user-shared",
                probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill())));
    }
}
