package dev.flashsale.web;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

/**
 * The stable machine-readable codes of problem answers, each written once. A purchase's refusals
 * are the names of {@code ordering.PurchaseRejection}; every other code is here, with the code and
 * plain message of an HTTP status nobody gave a more specific one.
 */
public final class ErrorCodes {

    public static final String VALIDATION_FAILED = "VALIDATION_FAILED";
    public static final String MALFORMED_REQUEST = "MALFORMED_REQUEST";
    public static final String UNAUTHENTICATED = "UNAUTHENTICATED";
    public static final String FORBIDDEN = "FORBIDDEN";
    public static final String NOT_FOUND = "NOT_FOUND";
    public static final String PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND";
    public static final String PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE";
    public static final String RATE_LIMITED = "RATE_LIMITED";
    public static final String STREAMS_FULL = "STREAMS_FULL";
    public static final String SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE";
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";
    public static final String SIGN_IN_DISABLED = "SIGN_IN_DISABLED";
    public static final String STOCK_BELOW_SOLD = "STOCK_BELOW_SOLD";
    public static final String SALE_NOT_GATED = "SALE_NOT_GATED";
    public static final String CHALLENGE_REQUIRED = "CHALLENGE_REQUIRED";
    public static final String CHALLENGE_FAILED = "CHALLENGE_FAILED";

    private ErrorCodes() {
    }

    static String of(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> VALIDATION_FAILED;
            case 401 -> UNAUTHENTICATED;
            case 403 -> FORBIDDEN;
            case 404 -> NOT_FOUND;
            case 405 -> "METHOD_NOT_ALLOWED";
            case 406 -> "NOT_ACCEPTABLE";
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> "UNSUPPORTED_MEDIA_TYPE";
            case 503 -> SERVICE_UNAVAILABLE;
            default -> status.is4xxClientError() ? "BAD_REQUEST" : INTERNAL_ERROR;
        };
    }

    /** For a request refused before any handler looked at it (a malformed request, not a field's value). */
    static String refused(HttpStatusCode status) {
        return status.value() == 400 ? MALFORMED_REQUEST : of(status);
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
