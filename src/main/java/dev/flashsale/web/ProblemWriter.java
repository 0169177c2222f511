package dev.flashsale.web;

import java.io.IOException;

import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * Writes a problem response from a servlet filter, where no controller advice runs; counts it and
 * gives it the request's trace id.
 */
@Component
public class ProblemWriter {

    private final JsonMapper json;
    private final ProblemCounts counts;
    private final RequestTraces traces;

    ProblemWriter(JsonMapper json, ProblemCounts counts, RequestTraces traces) {
        this.json = json;
        this.counts = counts;
        this.traces = traces;
    }

    /** Writes a problem answer built elsewhere, with its headers (Retry-After). */
    public void write(HttpServletResponse response, ResponseEntity<ProblemDetail> answer) throws IOException {
        answer.getHeaders().forEach((name, values) -> {
            if (!HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name)) {
                values.forEach(value -> response.addHeader(name, value));
            }
        });
        response.setStatus(answer.getStatusCode().value());
        response.setContentType(Problems.PROBLEM_JSON.toString());
        response.setCharacterEncoding("UTF-8");
        ProblemDetail problem = answer.getBody();
        counts.count(problem);
        traces.stamp(problem);
        json.writeValue(response.getOutputStream(), Problems.asMap(problem));
    }

    public void write(HttpServletResponse response, HttpStatusCode status, String code, String message)
            throws IOException {
        response.setStatus(status.value());
        response.setContentType(Problems.PROBLEM_JSON.toString());
        response.setCharacterEncoding("UTF-8");
        counts.count(code);
        ProblemDetail problem = Problems.of(status, code, message);
        traces.stamp(problem);
        json.writeValue(response.getOutputStream(), Problems.asMap(problem));
    }
}
