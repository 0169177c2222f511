package dev.flashsale.web;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

/**
 * The stable machine-readable codes of problem answers, each written once: every code the service
 * answers with is a constant here ({@link #ALL}, the labels problems are counted by). A purchase's
 * refusals are also the names of {@code ordering.PurchaseRejection}, which answers with its name.
 */
public final class ErrorCodes {

    // requests the service could not read, or that lack a credential or a right
    public static final String MALFORMED_REQUEST = "MALFORMED_REQUEST";
    public static final String VALIDATION_FAILED = "VALIDATION_FAILED";
    public static final String BAD_REQUEST = "BAD_REQUEST";
    public static final String UNAUTHENTICATED = "UNAUTHENTICATED";
    public static final String FORBIDDEN = "FORBIDDEN";
    public static final String NOT_FOUND = "NOT_FOUND";
    public static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED";
    public static final String NOT_ACCEPTABLE = "NOT_ACCEPTABLE";
    public static final String PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE";
    public static final String UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE";
    public static final String SIGN_IN_DISABLED = "SIGN_IN_DISABLED";
    // limits
    public static final String RATE_LIMITED = "RATE_LIMITED";
    public static final String STREAMS_FULL = "STREAMS_FULL";
    // purchases (PurchaseRejection's names) and the purchase gate
    public static final String PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND";
    public static final String SALE_NOT_STARTED = "SALE_NOT_STARTED";
    public static final String SALE_ENDED = "SALE_ENDED";
    public static final String QUANTITY_ABOVE_LIMIT = "QUANTITY_ABOVE_LIMIT";
    public static final String ALREADY_PURCHASED = "ALREADY_PURCHASED";
    public static final String SOLD_OUT = "SOLD_OUT";
    public static final String INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK";
    public static final String INVENTORY_CONFLICT = "INVENTORY_CONFLICT";
    public static final String ADDRESS_LIMIT_REACHED = "ADDRESS_LIMIT_REACHED";
    public static final String PURCHASE_TOKEN_REQUIRED = "PURCHASE_TOKEN_REQUIRED";
    public static final String PURCHASE_TOKEN_INVALID = "PURCHASE_TOKEN_INVALID";
    public static final String CHALLENGE_REQUIRED = "CHALLENGE_REQUIRED";
    public static final String CHALLENGE_FAILED = "CHALLENGE_FAILED";
    public static final String SALE_NOT_GATED = "SALE_NOT_GATED";
    // administration
    public static final String STOCK_BELOW_SOLD = "STOCK_BELOW_SOLD";
    // payment holds
    public static final String ORDER_NOT_FOUND = "ORDER_NOT_FOUND";
    public static final String ORDER_NOT_AWAITING_PAYMENT = "ORDER_NOT_AWAITING_PAYMENT";
    public static final String WEBHOOK_SIGNATURE_INVALID = "WEBHOOK_SIGNATURE_INVALID";
    // failures
    public static final String SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE";
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";

    /** Every code above, in the order declared. */
    static final List<String> ALL = Arrays.stream(ErrorCodes.class.getFields())
            .filter(field -> Modifier.isStatic(field.getModifiers()) && field.getType() == String.class)
            .map(ErrorCodes::value)
            .toList();

    private ErrorCodes() {
    }

    private static String value(Field constant) {
        try {
            return (String) constant.get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static String of(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> VALIDATION_FAILED;
            case 401 -> UNAUTHENTICATED;
            case 403 -> FORBIDDEN;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 503 -> SERVICE_UNAVAILABLE;
            default -> status.is4xxClientError() ? BAD_REQUEST : INTERNAL_ERROR;
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
