package dev.flashsale.ordering;

import java.util.List;

/**
 * Orders were committed, together, in one transaction (the order writer's group commit).
 * Published in that transaction and delivered to listeners after the commit through the
 * transactional outbox (Spring Modulith's publication registry): one outbox row and one delivery
 * per committed batch, not per order.
 */
public record OrdersPlaced(List<OrderPlaced> orders) {

    public OrdersPlaced {
        orders = List.copyOf(orders);
    }
}
