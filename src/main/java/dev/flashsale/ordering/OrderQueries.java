package dev.flashsale.ordering;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.flashsale.inventory.CommittedSales;

/**
 * What other modules may ask of the orders: a user's orders, and what a product's completed
 * orders add up to (for the audit and the reconciler, which also read them a chunk at a time as
 * {@link CommittedSales}). Writes belong to the purchase.
 */
public interface OrderQueries extends CommittedSales {

    /** The user's completed order of a product, if any. */
    Optional<Order> completed(UUID productId, String userId);

    /** What the orders of a product say, for the audit (one statement, one snapshot). */
    OrderStats stats(UUID productId);

    /** Of the given users, those holding a completed order of the product. */
    List<String> completedBuyers(UUID productId, Collection<String> userIds);

    /**
     * The product's completed orders counted and summed, and its highest sold unit: an index
     * range and the primary key's last entry, tens of milliseconds for 200,000 orders where
     * {@link #forEachSold} takes ten times that and ships every order to the caller.
     */
    SalesSummary summary(UUID productId);

    /** How many of these unit numbers of the product are held by orders. */
    long unitsSold(UUID productId, Collection<Integer> units);

    /** The user's orders, newest first. */
    List<Order> ofUser(String userId, int limit);
}
