package dev.flashsale.limits;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Stops admin-key guessing. Each failed admin credential costs the client address a token of a
 * bucket shared by all instances (Redis); the failure that empties it locks the address out, and
 * while locked out every admin credential from it is refused, the right one too. Each further
 * lockout of the same address within a day lasts twice as long as the one before, up to the
 * maximum. Failures and lockouts are logged at WARN with the address (never the key presented)
 * and counted ({@code flashsale.admin.credential.failures}, {@code flashsale.admin.lockouts}).
 *
 * <p>If Redis cannot answer, credentials are checked as usual and the failure is only logged: an
 * operator must still be able to reach the admin API during a Redis outage.
 */
public class AdminLockout {

    private static final Logger log = LoggerFactory.getLogger(AdminLockout.class);
    private static final Duration STRIKES_KEPT = Duration.ofDays(1);

    private final boolean enabled;
    private final LimitsProperties.AdminLockoutRule rule;
    private final SharedBuckets shared;
    private final BucketConfiguration failures;
    private final StringRedisTemplate redis;
    private final Counter failed;
    private final Counter lockouts;
    private final Counter refusedWhileLocked;

    AdminLockout(LimitsProperties properties, SharedBuckets shared, StringRedisTemplate redis, MeterRegistry meters) {
        this.enabled = properties.enabled();
        this.rule = properties.admin();
        this.shared = shared;
        this.redis = redis;
        this.failures = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(rule.maxFailures()).refillGreedy(rule.maxFailures(), rule.window()))
                .build();
        this.failed = Counter.builder("flashsale.admin.credential.failures")
                .description("admin keys refused (wrong key), by header or sign-in").register(meters);
        this.lockouts = Counter.builder("flashsale.admin.lockouts")
                .description("client addresses locked out after too many wrong admin keys").register(meters);
        this.refusedWhileLocked = new Refusals(meters).counter("admin-lockout");
    }

    /** How long this address is still locked out, if it is. */
    public Optional<Duration> lockedOut(String address) {
        if (!enabled) {
            return Optional.empty();
        }
        try {
            Long ms = redis.getExpire(lockoutKey(address), TimeUnit.MILLISECONDS);
            if (ms != null && ms > 0) {
                refusedWhileLocked.increment();
                return Optional.of(Duration.ofMillis(ms));
            }
        } catch (RuntimeException redisDown) {
            log.warn("admin lockout of address={} not checked: {}", address, redisDown.toString());
        }
        return Optional.empty();
    }

    /**
     * A wrong admin key from this address ({@code via}: where it was presented).
     *
     * @return how long the address is locked out, if this failure locked it out
     */
    public Optional<Duration> failed(String address, String via) {
        failed.increment();
        log.warn("admin key refused address={} via={}", address, via);
        if (!enabled) {
            return Optional.empty();
        }
        try {
            ConsumptionProbe probe = shared.take("fs:limits:admin-failures:" + address, failures);
            if (!probe.isConsumed() || probe.getRemainingTokens() == 0) {
                return Optional.of(lockOut(address));
            }
        } catch (RuntimeException redisDown) {
            log.warn("admin key failure of address={} not counted: {}", address, redisDown.toString());
        }
        return Optional.empty();
    }

    private Duration lockOut(String address) {
        String strikesKey = "fs:limits:admin-strikes:" + address;
        Long strikes = redis.opsForValue().increment(strikesKey);
        redis.expire(strikesKey, STRIKES_KEPT);
        int doublings = (int) Math.min(20, Math.max(0, (strikes == null ? 1 : strikes) - 1));
        Duration lockout = rule.lockout().multipliedBy(1L << doublings);
        if (lockout.compareTo(rule.maxLockout()) > 0) {
            lockout = rule.maxLockout();
        }
        redis.opsForValue().set(lockoutKey(address), "1", lockout);
        lockouts.increment();
        log.warn("admin credentials locked out address={} for={} after {} failures (lockout {} in a day)",
                address, lockout, rule.maxFailures(), strikes);
        return lockout;
    }

    private static String lockoutKey(String address) {
        return "fs:limits:admin-lockout:" + address;
    }
}
