package dev.flashsale.inventory.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.flashsale.inventory.InventoryProperties;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where spans are exported (an OTLP endpoint is set), every Redis command is observed, as a span of
 * the trace that sent it; the application without an endpoint observes none
 * ({@code TracingTest}). Against the real Redis of the tests.
 */
class RedisCommandSpansTest {

    private final List<Observation.Context> observed = new CopyOnWriteArrayList<>();

    private final ApplicationContextRunner redisClient = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
            .withUserConfiguration(RedisClientConfiguration.class, Settings.class)
            .withPropertyValues(
                    "spring.data.redis.host=" + System.getenv().getOrDefault("SPRING_DATA_REDIS_HOST", "127.0.0.1"),
                    "spring.data.redis.port=" + System.getenv().getOrDefault("SPRING_DATA_REDIS_PORT", "6379"))
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withBean(ObservationRegistry.class, this::recording);

    @Test
    void withAnOtlpEndpointEachCommandIsObserved() {
        redisClient.withPropertyValues("management.opentelemetry.tracing.export.otlp.endpoint=http://127.0.0.1:4318/v1/traces")
                .run(context -> {
                    assertThat(context.getBean(ClientResources.class).tracing().isEnabled()).isTrue();
                    ping(context.getBean(RedisConnectionFactory.class));
                    assertThat(observed).as("the PING's observation").isNotEmpty();
                });
    }

    @Test
    void withoutOneNoCommandIsObserved() {
        redisClient.run(context -> {
            assertThat(context.getBean(ClientResources.class).tracing().isEnabled()).isFalse();
            ping(context.getBean(RedisConnectionFactory.class));
            assertThat(observed).isEmpty();
        });
    }

    private static void ping(RedisConnectionFactory redis) {
        try (RedisConnection connection = redis.getConnection()) {
            assertThat(connection.ping()).isEqualTo("PONG");
        }
    }

    /** An observation registry that keeps every observation started through it. */
    private ObservationRegistry recording() {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                observed.add(context);
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        return registry;
    }

    @EnableConfigurationProperties(InventoryProperties.class)
    static class Settings {
    }
}
