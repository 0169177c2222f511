package dev.flashsale.counters;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.ordering.OrderPlaced;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.modulith.events.ApplicationModuleListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Keeps {@code products.sold_quantity} in step with the orders, after their commit, fed by the
 * transactional outbox. A redelivered event is counted once: the ledger's primary key admits each
 * order once, and the ledger row and the increment commit together.
 */
@Component
public class SoldCounter {

    private final JdbcClient jdbc;
    private final Catalog catalog;

    SoldCounter(JdbcClient jdbc, Catalog catalog) {
        this.jdbc = jdbc;
        this.catalog = catalog;
    }

    @ApplicationModuleListener
    public void on(OrderPlaced order) {
        count(order);
    }

    /** Counts the order unless it was counted before; returns whether this call counted it. */
    @Transactional
    public boolean count(OrderPlaced order) {
        int recorded = jdbc.sql("""
                INSERT INTO sold_counter_ledger (order_id, product_id, quantity) VALUES (?, ?, ?)
                ON CONFLICT (order_id) DO NOTHING""")
                .params(order.orderId(), order.productId(), order.quantity())
                .update();
        if (recorded == 1) {
            catalog.addSold(order.productId(), order.quantity());
        }
        return recorded == 1;
    }
}
