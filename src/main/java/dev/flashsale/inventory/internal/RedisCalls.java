package dev.flashsale.inventory.internal;

import java.io.IOException;
import java.util.function.Supplier;

import dev.flashsale.inventory.InventoryProperties;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.PartitionSelectorException;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * Every Redis command of the inventory goes through here, behind the "redis" circuit breaker.
 * While it is open a call fails at once with {@link RedisConnectionFailureException} (a 503),
 * so an outage costs callers nothing but the answer.
 *
 * <p>On a Redis Cluster the breaker is one for all masters, so it does not count the failures
 * that concern one node and cost nothing to wait for: a command whose node's connection dropped
 * or is down, or whose slot has no node (during a failover). Counted, they would open the breaker
 * for every sale, those on healthy masters too, while the failing master's sales answer 503 at
 * once anyway. Timeouts still count, wherever they come from (decision 0024).
 */
@Component
public class RedisCalls {

    private final CircuitBreaker breaker;

    public RedisCalls(CircuitBreakerRegistry registry, InventoryProperties properties, RedisConnectionFactory redis) {
        boolean cluster = redis instanceof LettuceConnectionFactory lettuce && lettuce.isClusterAware();
        this.breaker = registry.circuitBreaker("redis", CircuitBreakerConfig.custom()
                .failureRateThreshold(properties.breakerFailureRate())
                .slidingWindowSize(properties.breakerWindow())
                .minimumNumberOfCalls(Math.min(10, properties.breakerWindow()))
                .waitDurationInOpenState(properties.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(3)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                // a Redis command that failed; not a database error raised while warming up
                .recordException(e -> e instanceof DataAccessException && isRedis(e) && !(cluster && oneNodeAway(e)))
                .build());
    }

    public <T> T call(Supplier<T> command) {
        try {
            return breaker.executeSupplier(command);
        } catch (CallNotPermittedException open) {
            throw new RedisConnectionFailureException("Redis is unavailable (circuit breaker open)", open);
        }
    }

    /**
     * A command that failed at once because its node is not there: its connection dropped under it,
     * is down (commands rejected), or its slot has no node.
     */
    private static boolean oneNodeAway(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof PartitionSelectorException || t instanceof IOException
                    || t instanceof RedisException && (message.startsWith("Currently not connected")
                    || message.startsWith("Connection disconnected") || message.startsWith("Connection closed"))) {
                return true;
            }
        }
        return false;
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
