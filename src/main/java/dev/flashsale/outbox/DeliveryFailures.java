package dev.flashsale.outbox;

import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import dev.flashsale.StoreFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aop.interceptor.AsyncUncaughtExceptionHandler;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.stereotype.Component;

/**
 * Deliveries that failed because PostgreSQL could not be reached. Such a delivery could not record
 * its own failure, and may not even have recorded that it started: left as it is, its publication
 * waits for {@code stuck-after} (minutes) before it is delivered again. The moment of the last such
 * failure is kept here, and the outbox's next retry run, once PostgreSQL answers again, marks every
 * delivery left unfinished from before that moment for retry ({@link Outbox#retryDue()}).
 *
 * <p>It is also the handler of every failed after-commit delivery: one WARN line each (a listener
 * that throws while the database is up has its failure recorded, and retried, by the registry).
 */
@Component
class DeliveryFailures implements AsyncConfigurer {

    private static final Logger log = LoggerFactory.getLogger(DeliveryFailures.class);

    private final Clock clock;
    private final AtomicReference<Instant> lastUnrecorded = new AtomicReference<>();

    DeliveryFailures(Clock clock) {
        this.clock = clock;
    }

    @Override
    public AsyncUncaughtExceptionHandler getAsyncUncaughtExceptionHandler() {
        return this::failed;
    }

    void failed(Throwable failure, Method listener, Object... arguments) {
        boolean unreachable = StoreFailures.unreachable(failure) != null;
        log.warn("delivery to {}.{} failed{}: {}", listener.getDeclaringClass().getSimpleName(), listener.getName(),
                unreachable ? " (database unreachable: retried once it answers)" : "", failure.toString());
        if (unreachable) {
            Instant now = clock.instant();
            lastUnrecorded.accumulateAndGet(now, (a, b) -> a == null || b.isAfter(a) ? b : a);
        }
    }

    /** The moment of the last delivery that failed for want of the database, if any is unsettled. */
    Instant lastUnrecorded() {
        return lastUnrecorded.get();
    }

    /** The deliveries that failed up to {@code moment} are marked for retry. */
    void settled(Instant moment) {
        lastUnrecorded.compareAndSet(moment, null);
    }
}
