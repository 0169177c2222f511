package dev.flashsale.ordering;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the purchase path treats PostgreSQL.
 *
 * @param writeTimeout       the order transaction's timeout; the reconciler's stale-reservation
 *                           bound must stay well above it plus the connection wait
 * @param writeRetries       retries of an order write that failed transiently (serialization
 *                           failure, dropped connection) before the reservation is released
 * @param retryDelay         first wait between retries; it doubles
 * @param breakerFailureRate percentage of failed writes, over the last {@code breakerWindow}, that
 *                           opens the "postgres" circuit breaker (purchases then get 503 at once,
 *                           before anything is reserved)
 * @param breakerWindow      writes the failure rate is computed over
 * @param breakerOpenFor     how long it stays open before letting trial writes through
 * @param writers            threads committing orders (group commit: each commits what queued
 *                           up while it was busy, in one transaction)
 * @param maxBatch           the most orders one transaction commits
 * @param queueTimeout       the longest an order waits for a writer; then it is withdrawn, not
 *                           written, and the purchase answers 503
 */
@Validated
@ConfigurationProperties("flashsale.ordering")
public record OrderingProperties(
        @NotNull @DefaultValue("5s") Duration writeTimeout,
        @Min(0) @Max(10) @DefaultValue("2") int writeRetries,
        @NotNull @DefaultValue("50ms") Duration retryDelay,
        @Min(1) @Max(100) @DefaultValue("50") int breakerFailureRate,
        @Min(2) @DefaultValue("20") int breakerWindow,
        @NotNull @DefaultValue("5s") Duration breakerOpenFor,
        @Min(1) @Max(64) @DefaultValue("2") int writers,
        @Min(1) @Max(10000) @DefaultValue("256") int maxBatch,
        @NotNull @DefaultValue("10s") Duration queueTimeout) {
}
