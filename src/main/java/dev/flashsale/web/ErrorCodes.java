package dev.flashsale.web;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

/** The stable code and a plain message for an HTTP status nobody gave a more specific one. */
final class ErrorCodes {

    private ErrorCodes() {
    }

    static String of(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> "VALIDATION_FAILED";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "FORBIDDEN";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 406 -> "NOT_ACCEPTABLE";
            case 413 -> "PAYLOAD_TOO_LARGE";
            case 415 -> "UNSUPPORTED_MEDIA_TYPE";
            case 503 -> "SERVICE_UNAVAILABLE";
            default -> status.is4xxClientError() ? "BAD_REQUEST" : "INTERNAL_ERROR";
        };
    }

    /** For a request refused before any handler looked at it (a malformed request, not a field's value). */
    static String refused(HttpStatusCode status) {
        return status.value() == 400 ? "MALFORMED_REQUEST" : of(status);
    }

    /** For a request refused before any handler looked at it: no detail worth more than the status. */
    static String message(HttpStatusCode status) {
        if (status.value() == 400) {
            return "Malformed request";
        }
        if (status.is5xxServerError()) {
            return "Unexpected error";
        }
        HttpStatus known = HttpStatus.resolve(status.value());
        return known != null ? known.getReasonPhrase() : "Request refused";
    }
}
