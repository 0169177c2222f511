package dev.flashsale;

import java.time.Duration;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * The service's own periodic jobs (the reconciler, the outbox's retries, the sale gauges), each pass
 * in a trace of its own, so that the lines a pass logs carry a trace id as a request's do. Spring
 * traces {@code @Scheduled} methods by itself; these jobs are registered in code, with intervals
 * from their properties.
 */
@Component
public class ScheduledJobs {

    private final Tracer tracer;

    ScheduledJobs(ObjectProvider<Tracer> tracer) {
        this.tracer = tracer.getIfAvailable(() -> Tracer.NOOP);
    }

    /** Runs {@code pass} every {@code interval} after {@code initialDelay}, each pass in its own trace. */
    public void fixedDelay(ScheduledTaskRegistrar tasks, String job, Runnable pass, Duration interval,
                           Duration initialDelay) {
        tasks.addFixedDelayTask(new FixedDelayTask(() -> traced(job, pass), interval, initialDelay));
    }

    /** One pass of a job, in a new trace. */
    public void traced(String job, Runnable pass) {
        Span span = tracer.nextSpan(null).name("job " + job).tag("job", job).start();
        try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
            pass.run();
        } catch (RuntimeException | Error e) {
            span.error(e);
            throw e;
        } finally {
            span.end();
        }
    }
}
