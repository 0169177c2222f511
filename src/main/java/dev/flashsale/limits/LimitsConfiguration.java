package dev.flashsale.limits;

import java.time.Duration;

import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LimitsProperties.class)
class LimitsConfiguration {

    /**
     * Buckets shared by all instances, kept in Redis through the application's own Lettuce client
     * (standalone or cluster). A bucket's key expires once it would be full again.
     */
    @Bean
    ProxyManager<byte[]> sharedBuckets(LettuceConnectionFactory redis) {
        AbstractRedisClient client = redis.getNativeClient();
        var builder = client instanceof RedisClusterClient cluster
                ? Bucket4jLettuce.casBasedBuilder(cluster)
                : Bucket4jLettuce.casBasedBuilder((RedisClient) client);
        return builder
                .requestTimeout(Duration.ofSeconds(2))
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build();
    }

    @Bean
    ClientLimits clientLimits(LimitsProperties properties, ProxyManager<byte[]> sharedBuckets, MeterRegistry meters) {
        return new ClientLimits(properties, sharedBuckets, meters);
    }

    @Bean
    StreamSlots streamSlots(LimitsProperties properties, MeterRegistry meters) {
        return new StreamSlots(properties, meters);
    }

    @Bean
    AdminLockout adminLockout(LimitsProperties properties, ProxyManager<byte[]> sharedBuckets, StringRedisTemplate redis,
                              MeterRegistry meters) {
        return new AdminLockout(properties, sharedBuckets, redis, meters);
    }
}
