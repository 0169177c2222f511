package dev.flashsale.outbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The outbox backlog as gauges: deliveries pending by status, dead letters, and the age of the
 * oldest pending delivery.
 *
 * <p>Computed on a schedule (every {@code flashsale.metrics.refresh-interval}, 5 s), never on a
 * scrape: a scrape must not wait for PostgreSQL, and every instance's scraper would otherwise run
 * the backlog queries at its own pace. The gauges read the last snapshot. While PostgreSQL cannot
 * be reached the snapshot stays as it was, except the oldest delivery's age, which keeps growing
 * from the time it was published. Every instance reports the same backlog (one table): aggregate
 * with {@code max}, not {@code sum}.
 */
@Component
class OutboxMetrics {

    private static final Logger log = LoggerFactory.getLogger(OutboxMetrics.class);
    /** The publication registry's states of an unfinished delivery, as the {@code status} label. */
    static final List<String> STATUSES = List.of("PUBLISHED", "PROCESSING", "FAILED", "RESUBMITTED");

    private final Outbox outbox;
    private final Clock clock;
    private final Map<String, AtomicLong> pending;
    private final AtomicLong deadLetters = new AtomicLong();
    /** Epoch millisecond of the oldest pending delivery's publication, or -1 when nothing is pending. */
    private final AtomicLong oldestPublished = new AtomicLong(-1);

    OutboxMetrics(Outbox outbox, Clock clock, MeterRegistry meters) {
        this.outbox = outbox;
        this.clock = clock;
        this.pending = STATUSES.stream().collect(Collectors.toUnmodifiableMap(Function.identity(), s -> new AtomicLong()));
        for (String status : STATUSES) {
            Gauge.builder("flashsale.outbox.pending", pending.get(status), AtomicLong::get)
                    .description("outbox deliveries not completed yet, by status (FAILED ones are retried until they "
                            + "use up their attempts); refreshed every few seconds")
                    .tag("status", status.toLowerCase(Locale.ROOT))
                    .register(meters);
        }
        Gauge.builder("flashsale.outbox.dead.letters", deadLetters, AtomicLong::get)
                .description("outbox deliveries that used up their attempts and wait for an operator's retry "
                        + "(POST /api/v1/admin/outbox/failed/retry)")
                .register(meters);
        Gauge.builder("flashsale.outbox.oldest.age", this, OutboxMetrics::oldestAgeSeconds)
                .description("age of the oldest outbox delivery not completed yet (0 when none): how far the sold "
                        + "counter lags")
                .baseUnit("seconds")
                .register(meters);
    }

    @Scheduled(fixedDelayString = "${flashsale.metrics.refresh-interval:5s}", initialDelay = 0)
    void refresh() {
        Outbox.Backlog backlog;
        try {
            backlog = outbox.backlog();
        } catch (RuntimeException e) {
            log.debug("outbox backlog not refreshed: {}", e.toString());
            return;
        }
        Instant now = clock.instant();
        for (String status : STATUSES) {
            pending.get(status).set(backlog.byStatus().getOrDefault(status, 0L));
        }
        deadLetters.set(backlog.deadLetters());
        oldestPublished.set(backlog.pending() == 0 ? -1 : now.minus(backlog.oldestAge()).toEpochMilli());
    }

    private double oldestAgeSeconds() {
        long published = oldestPublished.get();
        if (published < 0) {
            return 0;
        }
        return Math.max(0, Duration.between(Instant.ofEpochMilli(published), clock.instant()).toMillis() / 1000.0);
    }
}
