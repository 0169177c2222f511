package dev.flashsale.api;

import java.time.Clock;
import java.util.Locale;
import java.util.UUID;

import dev.flashsale.ordering.Holds;
import dev.flashsale.ordering.OrderQueries;
import dev.flashsale.ordering.PaymentProperties;
import dev.flashsale.ordering.Payments;
import dev.flashsale.ordering.Payments.Notice;
import dev.flashsale.ordering.Payments.Receipt;
import dev.flashsale.identity.CurrentUser;
import dev.flashsale.web.Envelope;
import dev.flashsale.web.ErrorCodes;
import dev.flashsale.web.ProblemBody;
import dev.flashsale.web.Problems;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Paying for an order awaiting payment (a sale with a payment window, decision 0029): the payment
 * provider's webhook, the buyer's cancellation, and, in local mode, a demo payment for the shop's
 * Pay button that goes through the same signed webhook path.
 */
@RestController
class PaymentController {

    private final Payments payments;
    private final Holds holds;
    private final OrderQueries orders;
    private final PaymentProperties properties;
    private final WebhookSignature signature;
    private final JsonMapper json;
    private final Clock clock;

    PaymentController(Payments payments, Holds holds, OrderQueries orders, PaymentProperties properties, JsonMapper json,
                      Clock clock) {
        this.payments = payments;
        this.holds = holds;
        this.orders = orders;
        this.properties = properties;
        this.signature = new WebhookSignature(properties.webhookSecret(), properties.webhookTolerance());
        this.json = json;
        this.clock = clock;
    }

    /** What a payment event came to. */
    @Schema(name = "PaymentReceipt")
    record ReceiptView(
            String eventId,
            UUID orderId,
            @Schema(allowableValues = {"paid", "late", "already_paid", "cancelled", "amount_mismatch", "not_payable",
                    "ignored"}, description = "paid: the order is completed; any other: the payment is recorded as a "
                    + "refund to make (late: after the deadline), or ignored (an event type not acted on)")
            String outcome,
            @Schema(description = "the event had been received before: this is the first answer, nothing changed")
            boolean replayed) {

        static ReceiptView of(Receipt receipt) {
            return new ReceiptView(receipt.eventId(), receipt.orderId(),
                    receipt.outcome().name().toLowerCase(Locale.ROOT), receipt.replayed());
        }
    }

    @PostMapping(path = "/api/v1/payments/webhook", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The payment provider reports a payment",
            security = @SecurityRequirement(name = "webhookSignature"),
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = PaymentWebhookBody.class))),
            description = "Signed: header Flashsale-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.\" + body> "
                    + "with the shared webhook secret; a timestamp more than the tolerance (5 minutes) from now is "
                    + "refused. Idempotent by the event's id. A payment before the order's payBy completes it; after "
                    + "it (or for an order cancelled, already paid, or for another amount) it is recorded as a refund "
                    + "to make and the order is not completed.")
    @ApiResponse(responseCode = "200", description = "recorded (or a replay, answered as the first time)")
    @ApiResponse(responseCode = "400", description = "the body is not a payment event (MALFORMED_REQUEST, VALIDATION_FAILED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "401", description = "signature missing, wrong or too old (WEBHOOK_SIGNATURE_INVALID); nothing recorded",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "404", description = "no such order (ORDER_NOT_FOUND); nothing recorded",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> webhook(@RequestBody(required = false) byte[] body,
                              @Parameter(hidden = true)
                              @RequestHeader(name = WebhookSignature.HEADER, required = false) String signed) {
        byte[] payload = body == null ? new byte[0] : body;
        String refused = signature.refusal(signed, payload, clock.instant());
        if (refused != null) {
            return Problems.response(HttpStatus.UNAUTHORIZED, ErrorCodes.WEBHOOK_SIGNATURE_INVALID, refused);
        }
        PaymentWebhookBody event;
        try {
            event = json.readValue(payload, PaymentWebhookBody.class);
        } catch (JacksonException unreadable) {
            return Problems.response(HttpStatus.BAD_REQUEST, ErrorCodes.MALFORMED_REQUEST,
                    "The body is not a payment event: " + unreadable.getOriginalMessage());
        }
        if (event == null) {
            return Problems.response(HttpStatus.BAD_REQUEST, ErrorCodes.MALFORMED_REQUEST, "The body is empty");
        }
        String invalid = event.problem();
        if (invalid != null) {
            return Rejections.invalid(invalid);
        }
        if (!PaymentWebhookBody.PAYMENT_SUCCEEDED.equals(event.type())) {
            return ResponseEntity.ok(Envelope.ok(new ReceiptView(event.id(), event.order(), "ignored", false)));
        }
        return answer(payments.receive(new Notice(event.id(), event.order(), event.amount())));
    }

    @PostMapping({"/api/v1/sale/user/orders/{orderId}/cancel", "/api/v1.0/sale/user/orders/{orderId}/cancel"})
    @Operation(summary = "Cancel one's own order awaiting payment: its units go back to the sale at once",
            security = {@SecurityRequirement(name = "bearer"), @SecurityRequirement(name = "userHeader")})
    @ApiResponse(responseCode = "200", description = "cancelled")
    @ApiResponse(responseCode = "401", description = "no identity (UNAUTHENTICATED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "404", description = "no such order of the caller's (ORDER_NOT_FOUND)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "409", description = "the order is not awaiting payment (ORDER_NOT_AWAITING_PAYMENT)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> cancel(@PathVariable UUID orderId) {
        String userId = CurrentUser.id().orElseThrow();
        return switch (holds.cancel(orderId, userId)) {
            case CANCELLED -> ResponseEntity.ok(Envelope.ok(new Cancelled(orderId, "cancelled")));
            case NOT_AWAITING_PAYMENT -> Problems.response(HttpStatus.CONFLICT, ErrorCodes.ORDER_NOT_AWAITING_PAYMENT,
                    "This order is not awaiting payment");
            case NOT_FOUND -> orderNotFound();
        };
    }

    @Schema(name = "CancelledOrder")
    record Cancelled(UUID orderId, String status) {
    }

    @PostMapping({"/api/v1/sale/user/orders/{orderId}/demo-payment", "/api/v1.0/sale/user/orders/{orderId}/demo-payment"})
    @Operation(summary = "Local mode only: pay one's own order with the demo provider",
            description = "Signs a payment.succeeded event for the order's total with the webhook secret and hands it "
                    + "to the webhook's own path, as a payment provider would. 404 unless local mode's demo payments are on.",
            security = {@SecurityRequirement(name = "bearer"), @SecurityRequirement(name = "userHeader")})
    @ApiResponse(responseCode = "200", description = "what the payment came to (paid, or late: a refund to make)")
    @ApiResponse(responseCode = "404", description = "no such order of the caller's, or no demo payments (ORDER_NOT_FOUND, NOT_FOUND)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> demoPayment(@PathVariable UUID orderId) {
        if (!properties.demoPayments()) {
            return Problems.response(HttpStatus.NOT_FOUND, ErrorCodes.NOT_FOUND, "Demo payments are off (local mode only)");
        }
        String userId = CurrentUser.id().orElseThrow();
        var order = orders.ofUser(userId, 100).stream().filter(o -> o.id().equals(orderId)).findFirst().orElse(null);
        if (order == null) {
            return orderNotFound();
        }
        byte[] event = json.writeValueAsBytes(new PaymentWebhookBody("demo_" + UUID.randomUUID(),
                PaymentWebhookBody.PAYMENT_SUCCEEDED, orderId.toString(), order.total()));
        return webhook(event, signature.sign(event, clock.instant()));
    }

    private static ResponseEntity<?> answer(Receipt receipt) {
        if (receipt.outcome() == Payments.Outcome.ORDER_NOT_FOUND) {
            return orderNotFound();
        }
        return ResponseEntity.ok(Envelope.ok(ReceiptView.of(receipt)));
    }

    private static ResponseEntity<?> orderNotFound() {
        return Problems.response(HttpStatus.NOT_FOUND, ErrorCodes.ORDER_NOT_FOUND, "Order not found");
    }
}
