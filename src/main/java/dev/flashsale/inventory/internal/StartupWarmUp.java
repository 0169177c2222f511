package dev.flashsale.inventory.internal;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Before the instance takes traffic, Redis answers (or start-up stops, with a clear message) and
 * every live or upcoming sale has its Redis state.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class StartupWarmUp implements ApplicationRunner {

    private final Catalog catalog;
    private final WarmUp warmUp;
    private final StringRedisTemplate redis;

    StartupWarmUp(Catalog catalog, WarmUp warmUp, StringRedisTemplate redis) {
        this.catalog = catalog;
        this.warmUp = warmUp;
        this.redis = redis;
    }

    @Override
    public void run(ApplicationArguments args) {
        redis.execute(RedisConnection::ping);
        for (Product product : catalog.liveAndUpcoming(10_000, 0)) {
            warmUp.ensure(product);
        }
    }
}
