package dev.flashsale.web;

import java.io.IOException;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.TracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * The trace a request belongs to, as its answer shows it: a W3C {@code traceparent} response header
 * on every answer, and the trace id in every problem body ({@code traceId}), the same id that the
 * request's log lines carry. The trace itself is opened by Spring's HTTP observation filter, which
 * continues the caller's {@code traceparent} when there is one.
 */
@Component
public class RequestTraces {

    private static final String TRACE_ID = "traceId";

    private final Tracer tracer;
    private final Propagator propagator;

    RequestTraces(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        this.tracer = tracer.getIfAvailable(() -> Tracer.NOOP);
        this.propagator = propagator.getIfAvailable(() -> Propagator.NOOP);
    }

    /** The current trace's id, or null outside a trace (tracing switched off, a container-level refusal). */
    public @Nullable String traceId() {
        TraceContext context = tracer.currentTraceContext().context();
        return context != null && !context.traceId().isEmpty() ? context.traceId() : null;
    }

    /**
     * The request's trace id: the current one, or, on the container's error dispatch (which runs
     * after the observation filter has closed its scope), the one of the request's observation.
     */
    public @Nullable String traceId(HttpServletRequest request) {
        String current = traceId();
        if (current != null) {
            return current;
        }
        TracingObservationHandler.TracingContext tracing = ServerHttpObservationFilter.findObservationContext(request)
                .map(observation -> observation.<TracingObservationHandler.TracingContext>get(
                        TracingObservationHandler.TracingContext.class))
                .orElse(null);
        Span span = tracing != null ? tracing.getSpan() : null;
        return span != null ? span.context().traceId() : null;
    }

    /** Adds the current trace id to a problem about to be answered, unless it has one already. */
    public void stamp(ProblemDetail problem) {
        if (problem.getProperties() == null || !problem.getProperties().containsKey(TRACE_ID)) {
            stamp(problem, traceId());
        }
    }

    /** Adds the request's trace id (see {@link #traceId(HttpServletRequest)}) to a problem. */
    void stamp(ProblemDetail problem, HttpServletRequest request) {
        stamp(problem, traceId(request));
    }

    private static void stamp(ProblemDetail problem, @Nullable String traceId) {
        if (traceId != null && !traceId.isEmpty()) {
            problem.setProperty(TRACE_ID, traceId);
        }
    }

    /** Writes the current trace's {@code traceparent} on the response, before anything else writes it. */
    OncePerRequestFilter responseHeaderFilter() {
        return new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                TraceContext context = tracer.currentTraceContext().context();
                if (context != null) {
                    propagator.inject(context, response, HttpServletResponse::setHeader);
                }
                chain.doFilter(request, response);
            }
        };
    }
}
