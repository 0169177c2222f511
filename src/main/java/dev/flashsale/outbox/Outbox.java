package dev.flashsale.outbox;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.swagger.v3.oas.annotations.media.Schema;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.flashsale.ScheduledJobs;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.modulith.events.EventPublication;
import org.springframework.modulith.events.FailedEventPublications;
import org.springframework.modulith.events.ResubmissionOptions;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Service;

/**
 * The transactional outbox as operators see it: what is waiting, what failed, and retries.
 * Deliveries run on Spring Modulith's publication registry; a failed one is retried with
 * exponential backoff until {@code maxAttempts}, then left failed and listed until an operator
 * retries it.
 */
@Service
public class Outbox implements SchedulingConfigurer {

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private final JdbcClient jdbc;
    private final FailedEventPublications failed;
    private final OutboxProperties properties;
    private final Clock clock;
    private final LockingTaskExecutor locks;
    private final DeliveryFailures deliveryFailures;
    private final ScheduledJobs jobs;

    Outbox(JdbcClient jdbc, FailedEventPublications failed, OutboxProperties properties, Clock clock,
           LockingTaskExecutor locks, DeliveryFailures deliveryFailures, ScheduledJobs jobs) {
        this.jdbc = jdbc;
        this.failed = failed;
        this.properties = properties;
        this.clock = clock;
        this.locks = locks;
        this.deliveryFailures = deliveryFailures;
        this.jobs = jobs;
    }

    private record StatusCount(String status, long count, Instant oldest) {
    }

    /** Deliveries not completed yet, by status, and the age of the oldest. */
    public Backlog backlog() {
        List<StatusCount> counts = jdbc.sql("""
                SELECT coalesce(status, 'PUBLISHED') AS status, count(*) AS n, min(publication_date) AS oldest
                FROM event_publication WHERE completion_date IS NULL GROUP BY 1""")
                .query((rs, row) -> new StatusCount(rs.getString("status"), rs.getLong("n"),
                        rs.getTimestamp("oldest").toInstant()))
                .list();
        Map<String, Long> byStatus = new TreeMap<>();
        counts.forEach(c -> byStatus.put(c.status(), c.count()));
        Instant oldest = counts.stream().map(StatusCount::oldest).min(Instant::compareTo).orElse(null);
        long pending = byStatus.values().stream().mapToLong(Long::longValue).sum();
        long dead = jdbc.sql("""
                SELECT count(*) FROM event_publication
                WHERE completion_date IS NULL AND status = 'FAILED' AND coalesce(completion_attempts, 0) >= ?""")
                .param(properties.maxAttempts())
                .query(Long.class).single();
        Duration age = oldest == null ? Duration.ZERO : Duration.between(oldest, clock.instant());
        return new Backlog(pending, dead, byStatus, age.isNegative() ? Duration.ZERO : age);
    }

    /** Deliveries not completed yet whose event mentions the given id (a product's or an order's). */
    public long pendingMentioning(UUID id) {
        return jdbc.sql("SELECT count(*) FROM event_publication WHERE completion_date IS NULL AND serialized_event LIKE ?")
                .param("%" + id + "%")
                .query(Long.class).single();
    }

    /** Deliveries that used up their attempts, oldest first. */
    public List<FailedDelivery> deadLetters(int limit) {
        return jdbc.sql("""
                SELECT id, listener_id, event_type, publication_date, completion_attempts, last_resubmission_date
                FROM event_publication
                WHERE completion_date IS NULL AND status = 'FAILED' AND coalesce(completion_attempts, 0) >= ?
                ORDER BY publication_date LIMIT ?""")
                .params(properties.maxAttempts(), limit)
                .query((rs, n) -> new FailedDelivery(
                        rs.getObject("id", UUID.class),
                        rs.getString("listener_id"),
                        rs.getString("event_type"),
                        rs.getTimestamp("publication_date").toInstant(),
                        rs.getInt("completion_attempts"),
                        instant(rs.getTimestamp("last_resubmission_date"))))
                .list();
    }

    /** {@link #retryDue()} every {@code retry-interval}. */
    @Override
    public void configureTasks(ScheduledTaskRegistrar tasks) {
        jobs.fixedDelay(tasks, "outbox-retry", this::retryDue, properties.retryInterval(),
                properties.retryInterval());
    }

    /**
     * Retries failed deliveries whose backoff has passed and that have attempts left, and
     * deliveries stuck before completion for longer than {@code stuck-after} (a listener cut off
     * from the database could not even record its failure). One instance at a time. First, on
     * the instance that saw deliveries fail for want of the database, those are marked for retry,
     * so they go again within a retry interval (and the first backoff) of the database's return.
     */
    public void retryDue() {
        markUnrecordedFailed();
        Instant now = clock.instant();
        locks.executeWithLock((Runnable) () -> {
            failed.resubmit(ResubmissionOptions.defaults()
                    .withBatchSize(500)
                    .withFilter(p -> p.getCompletionAttempts() < properties.maxAttempts() && isDue(p, now)));
            markStuckFailed(now);
        }, new LockConfiguration(now, "outbox-retry", lockAtMostFor(), Duration.ZERO));
    }

    /**
     * If a run cannot release its lock (the database went away mid-run), the next runs wait this
     * long: short, since the job is quick and running it twice at once is harmless.
     */
    private Duration lockAtMostFor() {
        Duration tenRuns = properties.retryInterval().multipliedBy(10);
        return tenRuns.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : tenRuns;
    }

    /**
     * A delivery neither completed nor failed for longer than {@code stuck-after} is marked failed,
     * so the retry above delivers it again. Spring Modulith's own staleness check is meant to do
     * this, but in 2.0.5 it left a publication PROCESSING for good in the PostgreSQL drill (its
     * listener was cut off mid-transaction and could not record the failure).
     *
     * @return deliveries marked failed
     */
    int markStuckFailed(Instant now) {
        int stuck = jdbc.sql("""
                UPDATE event_publication SET status = 'FAILED'
                WHERE completion_date IS NULL
                  AND (status IS NULL OR status IN ('PUBLISHED', 'PROCESSING', 'RESUBMITTED'))
                  AND coalesce(last_resubmission_date, publication_date) < ?""")
                .param(Timestamp.from(now.minus(properties.stuckAfter())))
                .update();
        if (stuck > 0) {
            log.warn("outbox deliveries stuck for over {} marked failed for retry: {}", properties.stuckAfter(), stuck);
        }
        return stuck;
    }

    /**
     * Deliveries this instance saw fail because PostgreSQL could not be reached are marked failed,
     * with every other delivery left unfinished from before that moment: none of them could record
     * its outcome. The ones still running or still queued are delivered twice; listeners count
     * each order once, whatever the number of deliveries.
     *
     * @return deliveries marked failed
     */
    int markUnrecordedFailed() {
        Instant failedAt = deliveryFailures.lastUnrecorded();
        if (failedAt == null) {
            return 0;
        }
        int lost = jdbc.sql("""
                UPDATE event_publication SET status = 'FAILED'
                WHERE completion_date IS NULL
                  AND (status IS NULL OR status IN ('PUBLISHED', 'PROCESSING', 'RESUBMITTED'))
                  AND coalesce(last_resubmission_date, publication_date) <= ?""")
                .param(Timestamp.from(failedAt))
                .update();
        deliveryFailures.settled(failedAt);
        log.warn("outbox deliveries unfinished when the database could not be reached marked failed for retry: {}", lost);
        return lost;
    }

    /**
     * An operator's retry: every failed delivery (or the one given) goes again, attempts regardless.
     *
     * @return deliveries resubmitted (at most one batch of 500; none while that many are in flight)
     */
    public int retryFailed(UUID publicationId) {
        log.info("outbox retry requested publication={}", publicationId == null ? "all" : publicationId);
        AtomicInteger resubmitted = new AtomicInteger();
        failed.resubmit(ResubmissionOptions.defaults()
                .withBatchSize(500)
                .withFilter(p -> {
                    // the registry resubmits exactly the failed publications this accepts
                    boolean chosen = publicationId == null || publicationId.equals(p.getIdentifier());
                    if (chosen) {
                        resubmitted.incrementAndGet();
                    }
                    return chosen;
                }));
        return resubmitted.get();
    }

    boolean isDue(EventPublication publication, Instant now) {
        int attempts = Math.max(publication.getCompletionAttempts(), 1);
        Duration wait = properties.firstBackoff().multipliedBy(1L << Math.min(attempts - 1, 20));
        if (wait.compareTo(properties.maxBackoff()) > 0) {
            wait = properties.maxBackoff();
        }
        Instant last = publication.getLastResubmissionDate() != null
                ? publication.getLastResubmissionDate()
                : publication.getPublicationDate();
        return !now.isBefore(last.plus(wait));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    /**
     * @param pending     deliveries not completed, in any state
     * @param deadLetters failed deliveries that used up their attempts
     * @param byStatus    pending deliveries by registry status (PUBLISHED, PROCESSING, FAILED, RESUBMITTED)
     * @param oldestAge   age of the oldest pending delivery
     */
    public record Backlog(long pending, long deadLetters, Map<String, Long> byStatus, Duration oldestAge) {
    }

    public record FailedDelivery(UUID id, String listener, String eventType, Instant publishedAt, int attempts,
                                 @Schema(nullable = true) Instant lastRetryAt) {
    }
}
