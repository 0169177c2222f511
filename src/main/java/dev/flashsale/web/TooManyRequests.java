package dev.flashsale.web;

import java.time.Duration;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/** The answers of a limit: 429 {@code RATE_LIMITED} (or 503 when a whole instance is full), with Retry-After. */
public final class TooManyRequests {

    public static final String CODE = ErrorCodes.RATE_LIMITED;

    private TooManyRequests() {
    }

    public static ResponseEntity<ProblemDetail> response(Duration retryAfter, String message) {
        return response(HttpStatus.TOO_MANY_REQUESTS, CODE, retryAfter, message);
    }

    public static ResponseEntity<ProblemDetail> response(HttpStatusCode status, String code, Duration retryAfter,
                                                         String message) {
        return ResponseEntity.status(status)
                .header(HttpHeaders.RETRY_AFTER, retryAfterSeconds(retryAfter))
                .contentType(Problems.PROBLEM_JSON)
                .body(Problems.of(status, code, message));
    }

    /** Whole seconds, rounded up, at least 1 (Retry-After has no fractions). */
    public static String retryAfterSeconds(Duration wait) {
        long seconds = (wait.toMillis() + 999) / 1000;
        return Long.toString(Math.max(1, seconds));
    }
}
