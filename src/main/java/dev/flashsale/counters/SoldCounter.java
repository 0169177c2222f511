package dev.flashsale.counters;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import dev.flashsale.SqlArrays;
import dev.flashsale.catalog.Catalog;
import dev.flashsale.ordering.OrderPlaced;
import dev.flashsale.ordering.OrdersPlaced;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.modulith.events.ApplicationModuleListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Keeps {@code products.sold_quantity} in step with the orders, after their commit, fed by the
 * transactional outbox: one delivery per committed batch of orders ({@link OrdersPlaced}), counted
 * in one transaction. A redelivered event is counted once: the ledger's primary key admits each
 * order once, and the ledger rows and the increments commit together.
 */
@Component
public class SoldCounter {

    private final JdbcClient jdbc;
    private final Catalog catalog;

    SoldCounter(JdbcClient jdbc, Catalog catalog) {
        this.jdbc = jdbc;
        this.catalog = catalog;
    }

    /** The delivery of one committed batch of orders: all counted in one transaction. */
    @ApplicationModuleListener
    public void on(OrdersPlaced placed) {
        count(placed.orders());
    }

    /** Counts the order unless it was counted before; returns whether this call counted it. */
    @Transactional
    public boolean count(OrderPlaced order) {
        return count(List.of(order)) == 1;
    }

    /**
     * Counts the orders not counted before, in one transaction: their ledger rows in one statement,
     * then one increment per product. Returns how many orders this call counted.
     */
    @Transactional
    public int count(List<OrderPlaced> orders) {
        List<Counted> counted = jdbc.sql("""
                INSERT INTO sold_counter_ledger (order_id, product_id, quantity)
                SELECT * FROM unnest(?::text[]::uuid[], ?::text[]::uuid[], ?::int[])
                ON CONFLICT (order_id) DO NOTHING
                RETURNING product_id, quantity""")
                .params(SqlArrays.text(orders, o -> o.orderId().toString()),
                        SqlArrays.text(orders, o -> o.productId().toString()),
                        SqlArrays.ints(orders, OrderPlaced::quantity))
                .query((rs, row) -> new Counted(rs.getObject(1, UUID.class), rs.getInt(2)))
                .list();
        Map<UUID, Integer> byProduct = new HashMap<>();
        counted.forEach(order -> byProduct.merge(order.productId(), order.quantity(), Integer::sum));
        // one product after another, in a fixed order, so two deliveries never wait on each other in a cycle
        new TreeMap<>(byProduct).forEach(catalog::addSold);
        return counted.size();
    }

    /** An order this call counted: its ledger row was new. */
    private record Counted(UUID productId, int quantity) {
    }

    /** Units counted so far (the ledger), which {@code sold_quantity} must equal. */
    public long countedQuantity(UUID productId) {
        return jdbc.sql("SELECT coalesce(sum(quantity), 0) FROM sold_counter_ledger WHERE product_id = ?")
                .param(productId).query(Long.class).single();
    }

    /**
     * The reconciler's repair: counts completed orders older than {@code olderThan} that were
     * never counted and have no delivery pending in the outbox (their event was lost), then sets
     * {@code sold_quantity} to the ledger's sum if it differs. Orders still in the outbox are left
     * to it, so nothing is counted twice.
     *
     * @return units this repair counted
     */
    @Transactional
    public int repair(UUID productId, Instant olderThan) {
        // Orders whose delivery is still pending are read out of the outbox once, into a set the
        // orders are checked against (a hash anti-join): matching each order's id against every
        // pending event's text cost minutes of database CPU with 40,000 deliveries pending.
        List<Integer> counted = jdbc.sql("""
                WITH in_flight AS MATERIALIZED (
                  SELECT (o ->> 'orderId')::uuid AS order_id
                  FROM event_publication e, jsonb_array_elements(e.serialized_event::jsonb -> 'orders') AS o
                  WHERE e.completion_date IS NULL AND e.event_type = ?)
                INSERT INTO sold_counter_ledger (order_id, product_id, quantity)
                SELECT o.id, o.product_id, o.quantity FROM orders o
                WHERE o.product_id = ? AND o.status = 'completed' AND o.created_at < ?
                  AND NOT EXISTS (SELECT 1 FROM sold_counter_ledger l WHERE l.order_id = o.id)
                  AND NOT EXISTS (SELECT 1 FROM in_flight f WHERE f.order_id = o.id)
                ON CONFLICT (order_id) DO NOTHING
                RETURNING quantity""")
                .params(OrdersPlaced.class.getName(), productId, Timestamp.from(olderThan))
                .query(Integer.class)
                .list();
        int units = counted.stream().mapToInt(Integer::intValue).sum();
        // Lock the row before summing the ledger: a delivery in flight has its ledger row written and
        // holds this lock while it adds to the counter. Summed before the lock, the ledger would miss
        // that row, and the correction, applied after the delivery committed, would undo its count.
        catalog.lockSold(productId);
        catalog.correctSold(productId, (int) countedQuantity(productId));
        return units;
    }
}
