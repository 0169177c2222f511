package dev.flashsale.ordering;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.flashsale.inventory.CommittedSales;
import dev.flashsale.inventory.SoldUnits;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The orders table: writes for the purchase path, reads for users and for the inventory's warm-up. */
@Repository
public class Orders implements CommittedSales {

    private static final String COLUMNS = "id, user_id, product_id, quantity, unit_price, status, created_at";

    private final JdbcClient jdbc;

    Orders(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts a completed order and the unit numbers it holds, in one statement. */
    void insertCompleted(Order order, List<Integer> units, String metadataJson) {
        jdbc.sql("""
                WITH placed AS (
                    INSERT INTO orders (id, user_id, product_id, quantity, unit_price, status, metadata, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, 'completed', ?::jsonb, ?, ?)
                    RETURNING id, product_id)
                INSERT INTO order_units (product_id, unit_no, order_id)
                SELECT placed.product_id, unit, placed.id FROM placed, unnest(?::int[]) AS unit""")
                .params(order.id(), order.userId(), order.productId(), order.quantity(), order.unitPrice(),
                        metadataJson, Timestamp.from(order.createdAt()), Timestamp.from(order.createdAt()),
                        "{" + String.join(",", units.stream().map(String::valueOf).toList()) + "}")
                .update();
    }

    /** The user's completed order of a product, if any. */
    public Optional<Order> completed(UUID productId, String userId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM orders WHERE product_id = ? AND user_id = ? AND status = 'completed'")
                .params(productId, userId)
                .query(Orders::order)
                .optional();
    }

    /** What the orders of a product say, for the audit (one statement, one snapshot). */
    public OrderStats stats(UUID productId) {
        return jdbc.sql("""
                SELECT
                  (SELECT count(*) FROM orders WHERE product_id = :p AND status = 'completed') AS orders,
                  (SELECT coalesce(sum(quantity), 0) FROM orders WHERE product_id = :p AND status = 'completed') AS quantity,
                  (SELECT count(DISTINCT user_id) FROM orders WHERE product_id = :p AND status = 'completed') AS buyers,
                  (SELECT count(*) FROM order_units WHERE product_id = :p) AS units,
                  (SELECT count(DISTINCT unit_no) FROM order_units WHERE product_id = :p) AS distinct_units,
                  (SELECT count(*) FROM order_units u JOIN products p ON p.id = u.product_id
                     WHERE u.product_id = :p AND (u.unit_no < 1 OR u.unit_no > p.total_quantity)) AS units_out_of_range,
                  (SELECT count(*) FROM orders o JOIN products p ON p.id = o.product_id
                     WHERE o.product_id = :p AND o.status = 'completed' AND o.quantity > p.per_user_limit) AS above_limit""")
                .param("p", productId)
                .query((rs, n) -> new OrderStats(rs.getLong("orders"), rs.getLong("quantity"), rs.getLong("buyers"),
                        rs.getLong("units"), rs.getLong("distinct_units"), rs.getLong("units_out_of_range"),
                        rs.getLong("above_limit")))
                .single();
    }

    /** Whether an order with this id is in the table (a write whose outcome was not known did commit). */
    boolean exists(UUID orderId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM orders WHERE id = ?)").param(orderId).query(Boolean.class).single();
    }

    /** Of the given users, those holding a completed order of the product. */
    public List<String> completedBuyers(UUID productId, Collection<String> userIds) {
        if (userIds.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("SELECT user_id FROM orders WHERE product_id = ? AND status = 'completed' AND user_id = ANY (?::varchar[])")
                .params(productId, "{" + String.join(",", userIds.stream().map(u -> '"' + u + '"').toList()) + "}")
                .query(String.class)
                .list();
    }

    /** The user's orders, newest first. */
    public List<Order> ofUser(String userId, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM orders WHERE user_id = ? ORDER BY created_at DESC LIMIT ?")
                .params(userId, limit)
                .query(Orders::order)
                .list();
    }

    /** One statement, so buyers, quantity and units come from one snapshot. */
    @Override
    public SoldUnits soldUnits(UUID productId) {
        List<String> buyers = new ArrayList<>();
        List<Integer> units = new ArrayList<>();
        int[] quantity = {0};
        jdbc.sql("""
                SELECT o.user_id, o.quantity, array_agg(u.unit_no) FILTER (WHERE u.unit_no IS NOT NULL) AS units
                FROM orders o LEFT JOIN order_units u ON u.order_id = o.id
                WHERE o.product_id = ? AND o.status = 'completed'
                GROUP BY o.id""")
                .param(productId)
                .query(rs -> {
                    buyers.add(rs.getString(1));
                    quantity[0] += rs.getInt(2);
                    Array array = rs.getArray(3);
                    if (array != null) {
                        for (Integer unit : (Integer[]) array.getArray()) {
                            units.add(unit);
                        }
                    }
                });
        return new SoldUnits(quantity[0], buyers, units);
    }

    private static Order order(ResultSet rs, int row) throws SQLException {
        return new Order(
                rs.getObject("id", UUID.class),
                rs.getString("user_id"),
                rs.getObject("product_id", UUID.class),
                rs.getInt("quantity"),
                rs.getBigDecimal("unit_price"),
                rs.getString("status"),
                rs.getTimestamp("created_at").toInstant());
    }
}
