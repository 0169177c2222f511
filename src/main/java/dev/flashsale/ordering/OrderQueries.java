package dev.flashsale.ordering;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.flashsale.inventory.CommittedSales;

/**
 * What other modules may ask of the orders: a user's orders, and what a product's orders that hold
 * units (completed, or awaiting payment) add up to, for the audit and the reconciler, which also
 * read them a chunk at a time as {@link CommittedSales}. Writes belong to the purchase and the
 * payment holds.
 */
public interface OrderQueries extends CommittedSales {

    /** The user's order of a product that holds units (completed, or awaiting payment), if any. */
    Optional<Order> current(UUID productId, String userId);

    /** What the orders of a product say, for the audit (one statement, one snapshot). */
    OrderStats stats(UUID productId);

    /** Of the given users, those holding an order of the product that holds units, with that order. */
    Map<String, Order> currentOrders(UUID productId, Collection<String> userIds);

    /**
     * The product's orders that hold units counted and summed, and its highest sold unit: an index
     * range and the primary key's last entry, tens of milliseconds for 200,000 orders where
     * {@link #forEachSold} takes ten times that and ships every order to the caller.
     */
    SalesSummary summary(UUID productId);

    /** How many of these unit numbers of the product are held by orders. */
    long unitsSold(UUID productId, Collection<Integer> units);

    /** The states of the given orders (an order that does not exist is left out). */
    Map<UUID, OrderStatus> statuses(Collection<UUID> orderIds);

    /** The user's orders, newest first. */
    List<Order> ofUser(String userId, int limit);
}
