package dev.flashsale.catalog;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Changes to a product's description, price, limits, window or purchase gate; a null field keeps
 * its value ({@code perAddressLimit}: empty switches the cap off; {@code holdFor}: empty switches the
 * payment window off for purchases from then on; {@code shards}: how the live stock is split).
 * The stock is changed separately, because it has to move in Redis and PostgreSQL together.
 */
public record ProductChanges(
        String name,
        String description,
        BigDecimal price,
        Integer perUserLimit,
        Instant saleStartAt,
        Instant saleEndAt,
        Optional<Integer> perAddressLimit,
        Boolean gated,
        Integer powDifficulty,
        Optional<Duration> holdFor,
        Integer shards) {

    public Product applyTo(Product p) {
        return new Product(p.id(),
                name != null ? name : p.name(),
                description != null ? description : p.description(),
                price != null ? price : p.price(),
                p.totalQuantity(), p.soldQuantity(),
                perUserLimit != null ? perUserLimit : p.perUserLimit(),
                saleStartAt != null ? saleStartAt : p.saleStartAt(),
                saleEndAt != null ? saleEndAt : p.saleEndAt(),
                p.createdAt(), p.updatedAt(),
                perAddressLimit != null ? perAddressLimit.orElse(null) : p.perAddressLimit(),
                gated != null ? gated : p.gated(),
                powDifficulty != null ? powDifficulty : p.powDifficulty(),
                holdFor != null ? holdFor.orElse(null) : p.holdFor(),
                shards != null ? shards : p.shards());
    }
}
