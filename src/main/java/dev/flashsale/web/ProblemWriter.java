package dev.flashsale.web;

import java.io.IOException;

import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/** Writes a problem response from a servlet filter, where no controller advice runs; and counts it. */
@Component
public class ProblemWriter {

    private final JsonMapper json;
    private final ProblemCounts counts;

    ProblemWriter(JsonMapper json, ProblemCounts counts) {
        this.json = json;
        this.counts = counts;
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
        counts.count(answer.getBody());
        json.writeValue(response.getOutputStream(), Problems.asMap(answer.getBody()));
    }

    public void write(HttpServletResponse response, HttpStatusCode status, String code, String message)
            throws IOException {
        response.setStatus(status.value());
        response.setContentType(Problems.PROBLEM_JSON.toString());
        response.setCharacterEncoding("UTF-8");
        counts.count(code);
        json.writeValue(response.getOutputStream(), Problems.asMap(Problems.of(status, code, message)));
    }
}
