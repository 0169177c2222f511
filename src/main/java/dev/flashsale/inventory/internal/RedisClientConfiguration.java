package dev.flashsale.inventory.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.flashsale.inventory.InventoryProperties;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.tracing.MicrometerTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** How the Redis client behaves when Redis goes away and comes back. */
@Configuration(proxyBeanMethods = false)
public class RedisClientConfiguration {

    /**
     * While disconnected, fail commands at once (503) instead of queueing them until a timeout. On a
     * Redis Cluster this holds per node: commands for the slots of a node that went away fail at
     * once, the others go on.
     */
    @Bean
    LettuceClientOptionsBuilderCustomizer failFastWhileDisconnected() {
        return options -> options.autoReconnect(true).disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }

    /**
     * On a Redis Cluster, the client follows a failover by itself, within about a second of the
     * cluster's own (decision 0024). A master that dies is never answered again, and with commands
     * rejected while disconnected it sends no redirect either: only a topology refresh moves its
     * slots to the promoted replica. Spring Boot's settings ({@code spring.data.redis.lettuce.cluster.refresh.*},
     * adaptive and a period by default, see application.yaml) are kept, and to them are added what
     * Boot does not expose: the adaptive refreshes (a node's connection lost and failing to come
     * back, a redirect, a slot without a node) are rate-limited to one per
     * {@code flashsale.inventory.cluster-adaptive-refresh-timeout} rather than Lettuce's 30 s, so the
     * refresh that comes before the cluster has promoted the replica does not hold off the one
     * after; and a node the cluster agrees has failed is left out of the topology, so that no
     * connection keeps retrying it (one that only some nodes suspect stays: it may be fine).
     */
    @Bean
    LettuceClientOptionsBuilderCustomizer followClusterFailovers(DataRedisProperties redis, InventoryProperties inventory) {
        return options -> {
            if (options instanceof ClusterClientOptions.Builder cluster) {
                DataRedisProperties.Lettuce.Cluster.Refresh refresh = redis.getLettuce().getCluster().getRefresh();
                ClusterTopologyRefreshOptions.Builder topology = ClusterTopologyRefreshOptions.builder()
                        .dynamicRefreshSources(refresh.isDynamicRefreshSources())
                        .adaptiveRefreshTriggersTimeout(inventory.clusterAdaptiveRefreshTimeout())
                        // the first reconnection that fails asks for a refresh
                        .refreshTriggersReconnectAttempts(1);
                if (refresh.getPeriod() != null) {
                    topology.enablePeriodicRefresh(refresh.getPeriod());
                }
                if (refresh.isAdaptive()) {
                    topology.enableAllAdaptiveRefreshTriggers();
                }
                cluster.topologyRefreshOptions(topology.build())
                        .nodeFilter(node -> !(node.is(RedisClusterNode.NodeFlag.FAIL)
                                || node.is(RedisClusterNode.NodeFlag.NOADDR)));
            }
        };
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

    /**
     * A span per Redis command, in the trace of the request that sent it, where spans leave the
     * process (an OTLP endpoint is set, decision 0022). Elsewhere the commands are not observed:
     * the timers above already give their latency, and an observation per command, with a span
     * nobody receives, is work for nothing on every purchase (which sends several commands).
     */
    @Bean
    @ConditionalOnProperty("management.opentelemetry.tracing.export.otlp.endpoint")
    ClientResourcesBuilderCustomizer commandSpans(ObservationRegistry observations) {
        return resources -> resources.tracing(new MicrometerTracing(observations, "Redis"));
    }
}
