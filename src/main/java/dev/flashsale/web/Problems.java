package dev.flashsale.web;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.IncorrectResultSizeDataAccessException;
import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.dao.InvalidDataAccessResourceUsageException;
import org.springframework.dao.TypeMismatchDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.TransactionException;

/**
 * Failure bodies: RFC 9457 problem details that also carry the seed's {@code success: false} and
 * {@code error}, the {@code message} its front end reads, and a stable machine-readable {@code code}.
 */
public final class Problems {

    public static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

    private static final Logger log = LoggerFactory.getLogger(Problems.class);

    private Problems() {
    }

    public static ProblemDetail of(HttpStatusCode status, String code, String message) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, message);
        decorate(problem, code, message);
        return problem;
    }

    /**
     * The answer to a failure, logged: 503 with Retry-After 1 (nothing changed) when a dependency
     * (Redis, PostgreSQL) failed, 500 for anything else, a bug. The one place that decides it, for
     * the controller advice and for the hot-path filter.
     */
    public static ResponseEntity<ProblemDetail> failure(Exception ex) {
        if (!isDependencyFailure(ex)) {
            log.error("unexpected failure", ex);
            return response(HttpStatus.INTERNAL_SERVER_ERROR, ErrorCodes.INTERNAL_ERROR, "Unexpected error");
        }
        log.warn("dependency unavailable: {} ({})", ex.getMessage(), NestedExceptionUtils.getMostSpecificCause(ex).toString());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, "1")
                .contentType(PROBLEM_JSON)
                .body(of(HttpStatus.SERVICE_UNAVAILABLE, ErrorCodes.SERVICE_UNAVAILABLE,
                        "The service is temporarily unavailable; nothing was changed, please retry"));
    }

    /**
     * A data-access failure that is the dependency's (unreachable, timed out, failing), not one of
     * our own making (bad SQL, a constraint nobody maps).
     */
    private static boolean isDependencyFailure(Exception ex) {
        if (ex instanceof TransactionException) {
            return true;
        }
        return ex instanceof DataAccessException
                && !(ex instanceof DataIntegrityViolationException
                || ex instanceof InvalidDataAccessResourceUsageException
                || ex instanceof InvalidDataAccessApiUsageException
                || ex instanceof IncorrectResultSizeDataAccessException
                || ex instanceof TypeMismatchDataAccessException);
    }

    public static ResponseEntity<ProblemDetail> response(HttpStatusCode status, String code, String message) {
        return ResponseEntity.status(status).contentType(PROBLEM_JSON).body(of(status, code, message));
    }

    /** Adds the seed-compatible fields to a problem Spring (or anyone) built. */
    public static void decorate(ProblemDetail problem, String code, String message) {
        problem.setType(URI.create("urn:problem:flashsale:" + code.toLowerCase(Locale.ROOT).replace('_', '-')));
        if (problem.getTitle() == null) {
            HttpStatus status = HttpStatus.resolve(problem.getStatus());
            problem.setTitle(status != null ? status.getReasonPhrase() : "Error");
        }
        problem.setProperty("success", false);
        problem.setProperty("code", code);
        problem.setProperty("error", message);
        problem.setProperty("message", message);
    }

    /** The problem as the JSON object it is written as (for filters that write it themselves). */
    public static Map<String, Object> asMap(ProblemDetail problem) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", problem.getType().toString());
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        body.put("detail", problem.getDetail());
        if (problem.getInstance() != null) {
            body.put("instance", problem.getInstance().toString());
        }
        if (problem.getProperties() != null) {
            body.putAll(problem.getProperties());
        }
        return body;
    }
}
