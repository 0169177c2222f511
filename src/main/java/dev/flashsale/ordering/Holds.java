package dev.flashsale.ordering;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.flashsale.ScheduledJobs;
import dev.flashsale.StoreFailures;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.ordering.internal.HoldTransitions;
import dev.flashsale.ordering.internal.HoldTransitions.Settled;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Service;

/**
 * Orders awaiting payment that end without one: expired at their deadline, or cancelled by their
 * buyer. PostgreSQL settles the order first (one guarded statement, {@link HoldTransitions}), then
 * Redis gives the units back to the sale and the buyer their place ({@link Inventory#settleHold},
 * exactly once per order). If Redis cannot be reached after the commit, the reconciler settles
 * the hold later from the order's state.
 *
 * <p>Every instance looks for due holds every {@code expiry-poll}; they share the work without a
 * lock, as the statement skips the rows another instance is expiring. The expiry has a thread of
 * its own: the scheduled jobs' shared thread would make it wait behind a long reconciler pass.
 */
@Service
public class Holds implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Holds.class);
    private static final int REFUNDS_SHOWN = 50;

    private final HoldTransitions transitions;
    private final Inventory inventory;
    private final PaymentProperties properties;
    private final ScheduledJobs jobs;
    private final Clock clock;
    private final Timer lateness;
    private final Counter expired;
    private final Counter cancelled;
    private volatile long outstanding;
    private ScheduledExecutorService expiry;
    /** Since when the passes find a store unreachable (null: they do not), and when that was last logged. */
    private Instant unreachableSince;
    private Instant lastSaid = Instant.EPOCH;

    Holds(HoldTransitions transitions, Inventory inventory, PaymentProperties properties, ScheduledJobs jobs,
          Clock clock, MeterRegistry meters) {
        this.transitions = transitions;
        this.inventory = inventory;
        this.properties = properties;
        this.jobs = jobs;
        this.clock = clock;
        this.lateness = Timer.builder("flashsale.holds.expiry.lateness")
                .description("how long after its deadline an unpaid order's units were back on sale")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(meters);
        this.expired = Counter.builder("flashsale.holds.settled").tag("outcome", "expired")
                .description("orders awaiting payment that ended without one, by how").register(meters);
        this.cancelled = Counter.builder("flashsale.holds.settled").tag("outcome", "cancelled")
                .description("orders awaiting payment that ended without one, by how").register(meters);
        Gauge.builder("flashsale.holds.outstanding", this, h -> h.outstanding)
                .description("orders awaiting payment, as this instance counted them at most a second ago")
                .register(meters);
    }

    @Override
    public void start() {
        expiry = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("hold-expiry").daemon().factory());
        long poll = properties.expiryPoll().toNanos();
        expiry.scheduleWithFixedDelay(() -> pass("hold-expiry", this::expireDue), poll, poll, TimeUnit.NANOSECONDS);
        expiry.scheduleWithFixedDelay(() -> pass("hold-count", this::count), 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void stop() {
        if (expiry != null) {
            expiry.shutdownNow();
            expiry = null;
        }
    }

    @Override
    public boolean isRunning() {
        return expiry != null;
    }

    /** Stops before the web server and the database pool (a pass in flight is interrupted; the next instance's finishes it). */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1000;
    }

    /**
     * One pass of a job; the next runs as planned whatever this one came to. A store that cannot be
     * reached fails every pass (ten a second) until it is back: that is said once a minute, and its
     * return once.
     */
    private void pass(String job, Runnable work) {
        try {
            jobs.traced(job, work);
            if (unreachableSince != null) {
                log.info("{} runs again, the store is back", job);
                unreachableSince = null;
            }
        } catch (RuntimeException e) {
            Throwable unreachable = StoreFailures.unreachable(e);
            if (unreachable == null) {
                log.error("{} failed", job, e);
                return;
            }
            Instant now = clock.instant();
            if (unreachableSince == null || !lastSaid.plus(Duration.ofMinutes(1)).isAfter(now)) {
                log.warn("{} skips its passes, a store is unreachable (since {}): {}", job,
                        unreachableSince == null ? now : unreachableSince, unreachable.toString());
                lastSaid = now;
            }
            if (unreachableSince == null) {
                unreachableSince = now;
            }
        }
    }

    /**
     * Expires every order whose deadline has passed, a batch per statement, and gives their units
     * back in one script per sale of the batch; returns how many.
     */
    public int expireDue() {
        int total = 0;
        List<Settled> batch;
        do {
            batch = transitions.expireDue(properties.expiryBatch());
            batch.stream().collect(Collectors.groupingBy(Settled::productId)).forEach(this::release);
            Instant back = clock.instant();
            batch.forEach(order -> lateness.record(Duration.between(order.payBy(), back)));
            expired.increment(batch.size());
            total += batch.size();
        } while (batch.size() == properties.expiryBatch());
        return total;
    }

    private void count() {
        outstanding = transitions.outstanding(null, Duration.ZERO).awaiting();
    }

    /** What a buyer's cancellation came to. */
    public enum Cancellation { CANCELLED, NOT_AWAITING_PAYMENT, NOT_FOUND }

    /**
     * Cancels the user's order awaiting payment: its units go back to the sale at once. Another
     * user's order is {@link Cancellation#NOT_FOUND}, as one that does not exist.
     */
    public Cancellation cancel(UUID orderId, String userId) {
        Optional<Settled> done = transitions.cancel(orderId, userId);
        if (done.isPresent()) {
            release(done.get().productId(), List.of(done.get()));
            cancelled.increment();
            return Cancellation.CANCELLED;
        }
        return transitions.payable(orderId).filter(o -> o.userId().equals(userId)).isPresent()
                ? Cancellation.NOT_AWAITING_PAYMENT
                : Cancellation.NOT_FOUND;
    }

    /** Gives back the units of orders of one product that PostgreSQL has expired or cancelled. */
    private void release(UUID productId, List<Settled> orders) {
        Map<UUID, String> users = new LinkedHashMap<>();
        orders.forEach(order -> users.put(order.orderId(), order.userId()));
        try {
            inventory.settleHolds(productId, users, false);
        } catch (RuntimeException e) {
            // the orders are settled in PostgreSQL; the reconciler gives the units back from them
            log.warn("{} holds not released in Redis, the reconciler will product={}: {}", orders.size(), productId,
                    e.toString());
        }
    }

    /** What the admin console shows of the holds (of one product, or of all when {@code productId} is null). */
    public record Overview(long outstanding, long dueSoon, Duration dueSoonWithin, long expiredOrCancelled,
                           long refundsDue, List<Refund> latestRefunds) {
    }

    public Overview overview(UUID productId) {
        HoldTransitions.Outstanding now = transitions.outstanding(productId, properties.dueSoon());
        return new Overview(now.awaiting(), now.dueSoon(), properties.dueSoon(), transitions.expired(productId),
                transitions.refundCount(productId), transitions.refunds(productId, REFUNDS_SHOWN));
    }
}
