package dev.flashsale.inventory;

import java.util.List;

/**
 * What PostgreSQL says a product has sold: the completed orders' quantity, their buyers and the
 * unit numbers they hold. The inventory rebuilds its Redis state from it.
 */
public record SoldUnits(int quantity, List<String> buyers, List<Integer> units) {
}
