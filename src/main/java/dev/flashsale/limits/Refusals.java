package dev.flashsale.limits;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts refusals by limit as {@code flashsale.limits.refused{limit}}; the limits named at
 * construction are registered at once, so that their series exist (at 0) before any refusal.
 */
final class Refusals {

    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    Refusals(MeterRegistry meters, String... limits) {
        this.meters = meters;
        for (String limit : limits) {
            counter(limit);
        }
    }

    Optional<Duration> count(String limit, Optional<Duration> refusal) {
        if (refusal.isPresent()) {
            counter(limit).increment();
        }
        return refusal;
    }

    Counter counter(String limit) {
        return counters.computeIfAbsent(limit, l -> Counter.builder("flashsale.limits.refused")
                .description("requests refused by a limit (429, or 503 when an instance's stream total is full)")
                .tag("limit", l)
                .register(meters));
    }
}
