package dev.flashsale.catalog;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Changes to a product's description, price, limit or window; a null field keeps its value.
 * The stock is changed separately, because it has to move in Redis and PostgreSQL together.
 */
public record ProductChanges(
        String name,
        String description,
        BigDecimal price,
        Integer perUserLimit,
        Instant saleStartAt,
        Instant saleEndAt) {

    public Product applyTo(Product p) {
        return new Product(p.id(),
                name != null ? name : p.name(),
                description != null ? description : p.description(),
                price != null ? price : p.price(),
                p.totalQuantity(), p.soldQuantity(),
                perUserLimit != null ? perUserLimit : p.perUserLimit(),
                saleStartAt != null ? saleStartAt : p.saleStartAt(),
                saleEndAt != null ? saleEndAt : p.saleEndAt(),
                p.createdAt(), p.updatedAt());
    }
}
