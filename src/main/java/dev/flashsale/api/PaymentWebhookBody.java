package dev.flashsale.api;

import java.math.BigDecimal;
import java.util.UUID;

import io.swagger.v3.oas.annotations.media.Schema;

/** A payment provider's event, as its webhook sends it (signed; see {@link WebhookSignature}). */
@Schema(name = "PaymentWebhook")
record PaymentWebhookBody(
        @Schema(description = "the provider's event id (1 to 128 characters): an event is applied once, a replay "
                + "gets the first answer again", example = "evt_3PqA1b2C3d") String id,
        @Schema(description = "the event's type; only payment.succeeded is acted on, others are acknowledged and "
                + "ignored", example = "payment.succeeded") String type,
        @Schema(description = "the order paid for") UUID orderId,
        @Schema(description = "the amount paid; it must be the order's total", example = "49.99") BigDecimal amount) {

    static final String PAYMENT_SUCCEEDED = "payment.succeeded";

    /** What is wrong with the event's fields, or null. */
    String problem() {
        if (id == null || id.isBlank() || id.length() > 128) {
            return "id: must be 1 to 128 characters";
        }
        if (type == null) {
            return "type: is required";
        }
        if (orderId == null) {
            return "orderId: is required";
        }
        if (amount == null || amount.signum() < 0 || amount.scale() > 2 || amount.precision() - amount.scale() > 10) {
            return "amount: is required, not negative, with at most 10 digits and 2 decimals";
        }
        return null;
    }
}
