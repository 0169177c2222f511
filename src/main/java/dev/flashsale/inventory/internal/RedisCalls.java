package dev.flashsale.inventory.internal;

import java.util.function.Supplier;

import dev.flashsale.inventory.InventoryProperties;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.stereotype.Component;

/**
 * Every Redis command of the inventory goes through here, behind the "redis" circuit breaker.
 * While it is open a call fails at once with {@link RedisConnectionFailureException} (a 503),
 * so an outage costs callers nothing but the answer.
 */
@Component
public class RedisCalls {

    private final CircuitBreaker breaker;

    public RedisCalls(CircuitBreakerRegistry registry, InventoryProperties properties) {
        this.breaker = registry.circuitBreaker("redis", CircuitBreakerConfig.custom()
                .failureRateThreshold(properties.breakerFailureRate())
                .slidingWindowSize(properties.breakerWindow())
                .minimumNumberOfCalls(Math.min(10, properties.breakerWindow()))
                .waitDurationInOpenState(properties.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(3)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                // a Redis command that failed; not a database error raised while warming up
                .recordException(e -> e instanceof DataAccessException && isRedis(e))
                .build());
    }

    public <T> T call(Supplier<T> command) {
        try {
            return breaker.executeSupplier(command);
        } catch (CallNotPermittedException open) {
            throw new RedisConnectionFailureException("Redis is unavailable (circuit breaker open)", open);
        }
    }

    private static boolean isRedis(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String type = t.getClass().getName();
            if (type.startsWith("io.lettuce.") || type.startsWith("org.springframework.data.redis.")) {
                return true;
            }
        }
        return false;
    }
}
