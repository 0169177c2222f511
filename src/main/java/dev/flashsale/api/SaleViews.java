package dev.flashsale.api;

import java.time.Clock;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.Inventory;

import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/** How a sale is shown: live from Redis, or from PostgreSQL while Redis cannot be reached. */
@Component
class SaleViews {

    private final Catalog catalog;
    private final Inventory inventory;
    private final Clock clock;

    SaleViews(Catalog catalog, Inventory inventory, Clock clock) {
        this.catalog = catalog;
        this.inventory = inventory;
        this.clock = clock;
    }

    /** Live stock from Redis (or this instance's view of it, at most a local-stock TTL old). */
    SaleView live(Product product) {
        return SaleView.of(product, inventory.available(product), clock.instant());
    }

    /** Live if Redis answers; PostgreSQL's view instead of a failure if it does not. */
    SaleView liveOrDegraded(Product product) {
        try {
            return live(product);
        } catch (DataAccessException redisDown) {
            return SaleView.fromDatabase(catalog.load(product.id()).orElse(product), clock.instant());
        }
    }
}
