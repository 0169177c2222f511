package dev.flashsale.inventory.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** How the Redis client behaves when Redis goes away and comes back. */
@Configuration(proxyBeanMethods = false)
public class RedisClientConfiguration {

    /** While disconnected, fail commands at once (503) instead of queueing them until a timeout. */
    @Bean
    LettuceClientOptionsBuilderCustomizer failFastWhileDisconnected() {
        return options -> options.autoReconnect(true).disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }

    /** Reconnect attempts back off to at most one second apart, so a returning Redis is used quickly. */
    @Bean
    ClientResourcesBuilderCustomizer reconnectQuickly() {
        return resources -> resources.reconnectDelay(
                Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS));
    }

    /**
     * Every Redis command the client completes is timed ({@code lettuce.command.completion} and
     * {@code lettuce.command.firstresponse}, by command): Redis latency as the service sees it, and
     * how many calls a path makes.
     */
    @Bean
    ClientResourcesBuilderCustomizer commandMetrics(MeterRegistry meters) {
        return resources -> resources.commandLatencyRecorder(
                new MicrometerCommandLatencyRecorder(meters, MicrometerOptions.create()));
    }
}
