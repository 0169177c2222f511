package dev.flashsale.api;

import java.time.Duration;

import dev.flashsale.ordering.PurchaseRejection;
import dev.flashsale.web.Problems;
import dev.flashsale.web.TooManyRequests;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/** The one place where a purchase's business outcome becomes an HTTP status (never a 5xx). */
final class Rejections {

    private Rejections() {
    }

    static HttpStatus status(PurchaseRejection reason) {
        return switch (reason) {
            case PRODUCT_NOT_FOUND -> HttpStatus.NOT_FOUND;
            case SALE_NOT_STARTED, SALE_ENDED, PURCHASE_TOKEN_REQUIRED, PURCHASE_TOKEN_INVALID -> HttpStatus.FORBIDDEN;
            case QUANTITY_ABOVE_LIMIT -> HttpStatus.BAD_REQUEST;
            case ALREADY_PURCHASED, SOLD_OUT, INSUFFICIENT_STOCK, INVENTORY_CONFLICT, ADDRESS_LIMIT_REACHED ->
                    HttpStatus.CONFLICT;
        };
    }

    static ResponseEntity<ProblemDetail> response(PurchaseRejection reason, String message) {
        return Problems.response(status(reason), reason.name(), message);
    }

    static ResponseEntity<ProblemDetail> throttled(Duration retryAfter) {
        return TooManyRequests.response(retryAfter, "Too many purchase attempts; please wait a moment");
    }
}
