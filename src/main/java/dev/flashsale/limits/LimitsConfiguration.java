package dev.flashsale.limits;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LimitsProperties.class)
class LimitsConfiguration {

    @Bean
    SharedBuckets sharedBuckets(LettuceConnectionFactory redis) {
        return new SharedBuckets(redis);
    }

    @Bean
    ClientLimits clientLimits(LimitsProperties properties, SharedBuckets sharedBuckets, MeterRegistry meters) {
        return new ClientLimits(properties, sharedBuckets, meters);
    }

    @Bean
    StreamSlots streamSlots(LimitsProperties properties, MeterRegistry meters) {
        return new StreamSlots(properties, meters);
    }

    @Bean
    AdminLockout adminLockout(LimitsProperties properties, SharedBuckets sharedBuckets, StringRedisTemplate redis,
                              MeterRegistry meters) {
        return new AdminLockout(properties, sharedBuckets, redis, meters);
    }
}
