package dev.flashsale.outbox;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param listenerThreads threads delivering events to listeners after commit
 * @param queueCapacity   deliveries waiting for a thread; beyond it a delivery waits in the
 *                        outbox table and is picked up by the retry job instead
 * @param maxAttempts     attempts before a delivery is left failed, for an operator to retry
 * @param firstBackoff    wait before the first retry; it doubles with each attempt
 * @param maxBackoff      the longest wait between two attempts
 * @param retryInterval   how often the retry job looks for failed deliveries
 * @param stuckAfter      a delivery neither completed nor failed after this long is delivered again
 *                        (its listener was cut off, or its instance died); longer than any listener run
 */
@Validated
@ConfigurationProperties("flashsale.outbox")
public record OutboxProperties(
        @Min(1) @DefaultValue("2") int listenerThreads,
        @Min(0) @DefaultValue("100000") int queueCapacity,
        @Min(1) @DefaultValue("8") int maxAttempts,
        @NotNull @DefaultValue("5s") Duration firstBackoff,
        @NotNull @DefaultValue("10m") Duration maxBackoff,
        @NotNull @DefaultValue("5s") Duration retryInterval,
        @NotNull @DefaultValue("2m") Duration stuckAfter) {
}
