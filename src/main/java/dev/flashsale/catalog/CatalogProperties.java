package dev.flashsale.catalog;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param cacheTtl how long an instance serves a product's definition (name, price, window) from
 *                 memory; changes made through another instance show after at most this long
 */
@Validated
@ConfigurationProperties("flashsale.catalog")
public record CatalogProperties(@NotNull @DefaultValue("2s") Duration cacheTtl) {
}
