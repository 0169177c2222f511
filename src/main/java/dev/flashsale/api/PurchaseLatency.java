package dev.flashsale.api;

import java.time.Duration;
import java.util.Arrays;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Histogram buckets on {@code http.server.requests}, so that the purchase's p99 can be computed
 * across instances and alerted on ({@code ops/prometheus/rules.yml}). Every series of the timer
 * gets them, not only the purchase's: Prometheus's registry cannot export one name as a histogram
 * for some series and a summary for others (the scrape fails). The buckets are fixed when a
 * series is registered; recording into them allocates nothing per request.
 */
@Configuration(proxyBeanMethods = false)
class PurchaseLatency {

    /** Bucket bounds around the target (p99 ≤ 100 ms, docs/PERFORMANCE.md) and up to the order-write timeout. */
    static final Duration[] BUCKETS = {
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    @Bean
    MeterFilter httpLatencyBuckets() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (!"http.server.requests".equals(id.getName())) {
                    return config;
                }
                return DistributionStatisticConfig.builder()
                        .serviceLevelObjectives(Arrays.stream(BUCKETS).mapToDouble(d -> d.toNanos()).toArray())
                        .build()
                        .merge(config);
            }
        };
    }
}
