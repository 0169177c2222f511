package dev.flashsale.inventory;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The circuit breaker in front of Redis: when too many Redis calls fail, further calls fail at
 * once (503) instead of each waiting for a timeout, until a few trial calls succeed again.
 *
 * @param breakerFailureRate percentage of failed calls, over the last {@code breakerWindow}, that opens it
 * @param breakerWindow      calls the failure rate is computed over
 * @param breakerOpenFor     how long it stays open before letting trial calls through
 * @param localStockTtl      how long an instance trusts the stock it last saw: status reads within
 *                           it need no Redis call, and a product seen sold out is refused without
 *                           one (0 turns this off)
 * @param clusterAdaptiveRefreshTimeout on a Redis Cluster, the least time between two topology
 *                           refreshes that a node's lost connection, a redirect or a slot without
 *                           a node asks for (Lettuce's own default, 30 s, would keep the client on a
 *                           dead master that long after its replica took over)
 */
@Validated
@ConfigurationProperties("flashsale.inventory")
public record InventoryProperties(
        @Min(1) @Max(100) @DefaultValue("50") int breakerFailureRate,
        @Min(2) @DefaultValue("20") int breakerWindow,
        @NotNull @DefaultValue("2s") Duration breakerOpenFor,
        @NotNull @DefaultValue("200ms") Duration localStockTtl,
        @NotNull @DefaultValue("1s") Duration clusterAdaptiveRefreshTimeout) {
}
