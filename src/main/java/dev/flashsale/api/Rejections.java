package dev.flashsale.api;

import java.time.Duration;

import dev.flashsale.administration.SaleAdministration;
import dev.flashsale.ordering.PurchaseRejection;
import dev.flashsale.web.ErrorCodes;
import dev.flashsale.web.Problems;
import dev.flashsale.web.TooManyRequests;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * The one place where a business outcome becomes an HTTP status and problem code: a purchase's
 * rejections, an admin change's refusals, a product that does not exist. Never a 5xx (I6).
 */
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

    /** A purchase's rejection; its code is the rejection's name. */
    static ResponseEntity<ProblemDetail> response(PurchaseRejection reason, String message) {
        return Problems.response(status(reason), reason.name(), message);
    }

    static ResponseEntity<ProblemDetail> response(SaleAdministration.Refusal reason, String message) {
        return switch (reason) {
            case INVALID -> invalid(message);
            case PRODUCT_NOT_FOUND -> productNotFound();
            case STOCK_BELOW_SOLD -> Problems.response(HttpStatus.CONFLICT, ErrorCodes.STOCK_BELOW_SOLD, message);
        };
    }

    /** A request's fields that are valid one by one but not together. */
    static ResponseEntity<ProblemDetail> invalid(String message) {
        return Problems.response(HttpStatus.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED, message);
    }

    static ResponseEntity<ProblemDetail> productNotFound() {
        return productNotFound("Product not found");
    }

    static ResponseEntity<ProblemDetail> productNotFound(String message) {
        return Problems.response(HttpStatus.NOT_FOUND, ErrorCodes.PRODUCT_NOT_FOUND, message);
    }

    /** A purchase token asked for a sale that needs none. */
    static ResponseEntity<ProblemDetail> notGated(String message) {
        return Problems.response(HttpStatus.CONFLICT, ErrorCodes.SALE_NOT_GATED, message);
    }

    static ResponseEntity<ProblemDetail> challengeRequired(String message) {
        return Problems.response(HttpStatus.FORBIDDEN, ErrorCodes.CHALLENGE_REQUIRED, message);
    }

    static ResponseEntity<ProblemDetail> challengeFailed(String message) {
        return Problems.response(HttpStatus.FORBIDDEN, ErrorCodes.CHALLENGE_FAILED, message);
    }

    static ResponseEntity<ProblemDetail> throttled(Duration retryAfter) {
        return TooManyRequests.response(retryAfter, "Too many purchase attempts; please wait a moment");
    }
}
