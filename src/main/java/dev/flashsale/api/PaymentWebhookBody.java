package dev.flashsale.api;

import java.math.BigDecimal;
import java.util.UUID;
import java.util.regex.Pattern;

import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.deser.std.StdDeserializer;

/** A payment provider's event, as its webhook sends it (signed; see {@link WebhookSignature}). */
@Schema(name = "PaymentWebhook")
record PaymentWebhookBody(
        @Schema(description = "the provider's event id (1 to 128 characters): an event is applied once, a replay "
                + "gets the first answer again", example = "evt_3PqA1b2C3d") String id,
        @Schema(description = "the event's type; only payment.succeeded is acted on, others are acknowledged and "
                + "ignored", example = "payment.succeeded") String type,
        @Schema(description = "the order paid for") UUID orderId,
        @Schema(description = "the amount paid, a JSON number or a decimal in a string (\"49.99\"); it must be the "
                + "order's total", example = "49.99")
        @JsonDeserialize(using = PaymentWebhookBody.Amount.class) BigDecimal amount) {

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

    /**
     * An amount as providers write it: a JSON number ({@code 49.99}), or a decimal in a string
     * ({@code "49.99"}) exactly as written: no spaces, sign other than a leading minus, or exponent.
     * The request mapper refuses text for a number field everywhere else.
     */
    static final class Amount extends StdDeserializer<BigDecimal> {

        private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,20}(\\.[0-9]{1,20})?");

        Amount() {
            super(BigDecimal.class);
        }

        @Override
        public BigDecimal deserialize(JsonParser parser, DeserializationContext context) {
            return switch (parser.currentToken()) {
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getDecimalValue();
                case VALUE_STRING -> {
                    String text = parser.getString();
                    yield DECIMAL.matcher(text).matches() ? new BigDecimal(text)
                            : (BigDecimal) context.handleWeirdStringValue(BigDecimal.class, text, "not a decimal amount");
                }
                default -> (BigDecimal) context.handleUnexpectedToken(BigDecimal.class, parser);
            };
        }
    }
}
