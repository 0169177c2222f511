package dev.flashsale.api;

import java.math.BigDecimal;
import java.util.UUID;

import io.swagger.v3.oas.annotations.media.Schema;

/** A payment provider's event, as its webhook sends it (signed; see {@link WebhookSignature}). */
@Schema(name = "PaymentWebhook")
record PaymentWebhookBody(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, minLength = 1, maxLength = 128, pattern = ID_PATTERN,
                description = "the provider's event id (visible ASCII): an event is applied once, a replay gets the "
                        + "first answer again", example = "evt_3PqA1b2C3d") String id,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "the event's type; only payment.succeeded "
                + "is acted on, others are acknowledged and ignored", example = "payment.succeeded") String type,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "uuid", pattern = Uuids.PATTERN,
                description = "the order paid for") String orderId,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, minimum = "0", maximum = "9999999999.99",
                description = "the amount paid, a JSON number; it must be the order's total", example = "49.99") BigDecimal amount) {

    static final String PAYMENT_SUCCEEDED = "payment.succeeded";
    static final String ID_PATTERN = "^[!-~]{1,128}$";

    /** What is wrong with the event's fields, or null. */
    String problem() {
        if (id == null || !id.matches(ID_PATTERN)) {
            return "id: must be 1 to 128 visible ASCII characters";
        }
        if (type == null) {
            return "type: is required";
        }
        if (orderId == null || !orderId.matches(Uuids.PATTERN)) {
            return "orderId: must be a UUID";
        }
        if (amount == null || amount.signum() < 0 || amount.scale() > 2 || amount.precision() - amount.scale() > 10) {
            return "amount: is required, not negative, with at most 10 digits and 2 decimals";
        }
        return null;
    }

    /** The order paid for; only after {@link #problem()} found nothing wrong. */
    UUID order() {
        return UUID.fromString(orderId);
    }
}
