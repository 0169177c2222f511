package dev.flashsale.ordering;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Payment holds and the payment provider's webhook (decision 0029).
 *
 * @param webhookSecret    the secret the provider signs its webhooks with (HMAC-SHA256); empty:
 *                         the webhook refuses every call (401) until one is set
 * @param webhookTolerance how far a webhook's signed timestamp may be from this instance's clock;
 *                         a call outside it is refused as a replay
 * @param expiryPoll       how often each instance looks for holds past their deadline; the
 *                         expiry's lateness is about this plus a statement
 * @param expiryBatch      the most holds one statement expires (a pass repeats while it finds a full batch)
 * @param dueSoon          how close to its deadline the admin view counts a hold as due soon
 * @param demoPayments     the shop's "Pay" button pays through a built-in demo provider (local mode only)
 */
@Validated
@ConfigurationProperties("flashsale.payments")
public record PaymentProperties(
        @DefaultValue("") String webhookSecret,
        @NotNull @DefaultValue("5m") Duration webhookTolerance,
        @NotNull @DefaultValue("100ms") Duration expiryPoll,
        @Min(1) @Max(10_000) @DefaultValue("500") int expiryBatch,
        @NotNull @DefaultValue("60s") Duration dueSoon,
        @DefaultValue("false") boolean demoPayments) {
}
