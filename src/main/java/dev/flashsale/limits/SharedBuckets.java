package dev.flashsale.limits;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.function.SingletonSupplier;

/**
 * Token buckets shared by all instances, kept in Redis (Bucket4j's compare-and-swap on a key per
 * bucket) through the application's own Lettuce client, standalone or cluster: its connection
 * inherits that client's address, credentials and TLS settings (SSL bundle), which a client made
 * from a host and port would not. The connection is opened on first use, not at start-up, so an
 * unreachable Redis is reported by the start-up checks like any other dependency. A bucket's key
 * expires 10 s after the bucket would be full again.
 */
final class SharedBuckets {

    private final Supplier<ProxyManager<byte[]>> buckets;

    SharedBuckets(LettuceConnectionFactory redis) {
        this.buckets = SingletonSupplier.of(() -> connect(redis));
    }

    /** Takes a token from the bucket under {@code key}, created with {@code configuration} if new. */
    ConsumptionProbe take(String key, BucketConfiguration configuration) {
        return buckets.get().builder()
                .build(key.getBytes(StandardCharsets.UTF_8), () -> configuration)
                .tryConsumeAndReturnRemaining(1);
    }

    private static ProxyManager<byte[]> connect(LettuceConnectionFactory redis) {
        AbstractRedisClient client = redis.getNativeClient();
        var builder = client instanceof RedisClusterClient cluster
                ? Bucket4jLettuce.casBasedBuilder(cluster)
                : Bucket4jLettuce.casBasedBuilder((RedisClient) client);
        return builder
                .requestTimeout(Duration.ofSeconds(2))
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build();
    }
}
