package dev.flashsale.web;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;

/**
 * Counts every problem answer (4xx and 5xx) as {@code flashsale.problems{code}}, wherever it is
 * written: the controller advice and controllers ({@link ProblemCountingAdvice}), the filters and
 * security entry points ({@link ProblemWriter}), the hot path, and Tomcat's own refusals
 * ({@link ProblemReportValve}).
 *
 * <p>Contract: the label set is the fixed list of codes ({@link ErrorCodes}), each counter
 * registered at start-up; a code not in it counts as {@code OTHER}, so no caller can add series. Counting is a lookup in
 * an immutable map and an increment: no allocation, safe from any thread.
 */
@Component
public class ProblemCounts {

    /** Every code the service answers with (ProblemCountsTest checks the sources write no other). */
    static final List<String> CODES = ErrorCodes.ALL;

    static final String OTHER = "OTHER";

    private final Map<String, Counter> counters;
    private final Counter other;

    ProblemCounts(MeterRegistry meters) {
        Map<String, Counter> byCode = new HashMap<>();
        for (String code : CODES) {
            byCode.put(code, register(meters, code));
        }
        this.counters = Map.copyOf(byCode);
        this.other = register(meters, OTHER);
    }

    private static Counter register(MeterRegistry meters, String code) {
        return Counter.builder("flashsale.problems")
                .description("problem answers (4xx and 5xx) by code: refusals, bad requests, failures")
                .tag("code", code)
                .register(meters);
    }

    public void count(String code) {
        Counter counter = code == null ? null : counters.get(code);
        (counter != null ? counter : other).increment();
    }

    public void count(ProblemDetail problem) {
        Map<String, Object> properties = problem.getProperties();
        count(properties != null && properties.get("code") instanceof String code ? code : null);
    }
}
