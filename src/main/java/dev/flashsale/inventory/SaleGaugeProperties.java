package dev.flashsale.inventory;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Which sales get units gauges ({@link SaleGauges}): a label value per sale is a series per sale,
 * so the set is bounded.
 *
 * @param refreshInterval how often the sale and outbox gauges are recomputed
 * @param sales           at most this many sales, the most recently opened first (0: none)
 * @param endedWithin     a sale keeps its gauges this long after it ends
 */
@Validated
@ConfigurationProperties("flashsale.metrics")
public record SaleGaugeProperties(
        @NotNull @DefaultValue("5s") Duration refreshInterval,
        @Min(0) @Max(200) @DefaultValue("20") int sales,
        @NotNull @DefaultValue("10m") Duration endedWithin) {
}
