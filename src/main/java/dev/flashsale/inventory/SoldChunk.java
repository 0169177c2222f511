package dev.flashsale.inventory;

import java.util.List;

/**
 * Part of what PostgreSQL says a product has sold: some of its completed orders, as their buyers,
 * their summed quantity and the unit numbers they hold. {@link CommittedSales} hands a product's
 * orders over in such chunks, so that a sale of any size is compared or rebuilt in bounded memory.
 */
public record SoldChunk(List<String> buyers, int quantity, List<Integer> units) {
}
