package dev.flashsale.ordering.internal;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

import dev.flashsale.SqlArrays;
import dev.flashsale.inventory.CommittedSales.HeldOrder;
import dev.flashsale.inventory.SoldChunk;
import dev.flashsale.ordering.Order;
import dev.flashsale.ordering.OrderQueries;
import dev.flashsale.ordering.OrderStats;
import dev.flashsale.ordering.OrderStatus;
import dev.flashsale.ordering.SalesSummary;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The orders table: writes for the purchase path, and the reads other modules ask for ({@link OrderQueries}). */
@Repository
public class Orders implements OrderQueries {

    private static final String COLUMNS = "id, user_id, product_id, quantity, unit_price, status, created_at, pay_by";
    /** The orders that hold their units and their buyer's place: completed, or awaiting payment. */
    private static final String TAKEN = "status IN ('completed', 'awaiting_payment')";

    private final JdbcClient jdbc;
    /** For reads through a cursor; joins the caller's transaction if there is one (the audit's). */
    private final TransactionTemplate readOnly;

    public Orders(JdbcClient jdbc, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.readOnly = new TransactionTemplate(transactions);
        this.readOnly.setReadOnly(true);
    }

    /** An order to insert, with the unit numbers it holds and its metadata (JSON text or null). */
    public record NewOrder(Order order, List<Integer> units, String metadataJson) {
    }

    /**
     * Inserts orders (completed, or awaiting payment with their deadline) and the unit numbers they
     * hold, in one statement whatever their number (arrays, unnested): a group commit costs one
     * round trip.
     */
    public void insert(List<NewOrder> placed) {
        int n = placed.size();
        String[] ids = new String[n];
        String[] users = new String[n];
        String[] products = new String[n];
        int[] quantities = new int[n];
        String[] prices = new String[n];
        String[] metadata = new String[n];
        String[] times = new String[n];
        String[] statuses = new String[n];
        String[] deadlines = new String[n];
        List<String> unitProducts = new ArrayList<>();
        List<Integer> unitNumbers = new ArrayList<>();
        List<String> unitOrders = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Order order = placed.get(i).order();
            ids[i] = order.id().toString();
            users[i] = order.userId();
            products[i] = order.productId().toString();
            quantities[i] = order.quantity();
            prices[i] = order.unitPrice().toPlainString();
            metadata[i] = placed.get(i).metadataJson();
            times[i] = order.createdAt().toString();
            statuses[i] = order.status().value();
            deadlines[i] = order.payBy() == null ? null : order.payBy().toString();
            for (Integer unit : placed.get(i).units()) {
                unitProducts.add(products[i]);
                unitNumbers.add(unit);
                unitOrders.add(ids[i]);
            }
        }
        jdbc.sql("""
                WITH placed AS (
                    INSERT INTO orders (id, user_id, product_id, quantity, unit_price, status, metadata, created_at,
                                        updated_at, pay_by)
                    SELECT o.id, o.user_id, o.product_id, o.quantity, o.unit_price, o.status, o.metadata, o.at, o.at,
                           o.pay_by
                    FROM unnest(?::text[]::uuid[], ?::text[], ?::text[]::uuid[], ?::int[], ?::text[]::numeric[],
                                ?::text[]::jsonb[], ?::text[]::timestamptz[], ?::text[], ?::text[]::timestamptz[])
                         AS o(id, user_id, product_id, quantity, unit_price, metadata, at, status, pay_by)
                    RETURNING id)
                INSERT INTO order_units (product_id, unit_no, order_id)
                SELECT u.product_id, u.unit_no, u.order_id
                FROM unnest(?::text[]::uuid[], ?::int[], ?::text[]::uuid[]) AS u(product_id, unit_no, order_id)
                JOIN placed ON placed.id = u.order_id""")
                .params(ids, users, products, quantities, prices, metadata, times, statuses, deadlines,
                        SqlArrays.text(unitProducts), SqlArrays.ints(unitNumbers), SqlArrays.text(unitOrders))
                .update();
    }

    @Override
    public Optional<Order> current(UUID productId, String userId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM orders WHERE product_id = ? AND user_id = ? AND " + TAKEN)
                .params(productId, userId)
                .query(Orders::order)
                .optional();
    }

    @Override
    public OrderStats stats(UUID productId) {
        return jdbc.sql("""
                WITH taken AS (SELECT user_id, quantity, status FROM orders WHERE product_id = :p AND %s)
                SELECT
                  (SELECT count(*) FILTER (WHERE status = 'completed') FROM taken) AS orders,
                  (SELECT coalesce(sum(quantity) FILTER (WHERE status = 'completed'), 0) FROM taken) AS quantity,
                  (SELECT count(*) FILTER (WHERE status = 'awaiting_payment') FROM taken) AS awaiting,
                  (SELECT coalesce(sum(quantity) FILTER (WHERE status = 'awaiting_payment'), 0) FROM taken) AS awaiting_quantity,
                  (SELECT count(DISTINCT user_id) FROM taken) AS buyers,
                  (SELECT count(*) FROM order_units WHERE product_id = :p) AS units,
                  (SELECT count(DISTINCT unit_no) FROM order_units WHERE product_id = :p) AS distinct_units,
                  (SELECT count(*) FROM order_units u JOIN products p ON p.id = u.product_id
                     WHERE u.product_id = :p AND (u.unit_no < 1 OR u.unit_no > p.total_quantity)) AS units_out_of_range,
                  (SELECT count(*) FROM taken t, products p
                     WHERE p.id = :p AND t.quantity > p.per_user_limit) AS above_limit,
                  (SELECT count(*) FROM payment_events e JOIN orders o ON o.id = e.order_id
                     WHERE o.product_id = :p AND e.outcome = 'refund' AND e.reason IN ('late', 'cancelled')
                       AND o.status = 'completed') AS refunded_completed,
                  (SELECT count(*) FROM orders o
                     WHERE o.product_id = :p AND o.pay_by IS NOT NULL AND o.status = 'completed'
                       AND NOT EXISTS (SELECT 1 FROM payment_events e WHERE e.order_id = o.id AND e.outcome = 'paid'))
                     AS completed_unpaid""".formatted(TAKEN))
                .param("p", productId)
                .query((rs, n) -> new OrderStats(rs.getLong("orders"), rs.getLong("quantity"), rs.getLong("awaiting"),
                        rs.getLong("awaiting_quantity"), rs.getLong("buyers"), rs.getLong("units"),
                        rs.getLong("distinct_units"), rs.getLong("units_out_of_range"), rs.getLong("above_limit"),
                        rs.getLong("refunded_completed"), rs.getLong("completed_unpaid")))
                .single();
    }

    /** Whether an order with this id is in the table (a write whose outcome was not known did commit). */
    public boolean exists(UUID orderId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM orders WHERE id = ?)").param(orderId).query(Boolean.class).single();
    }

    @Override
    public Map<String, Order> currentOrders(UUID productId, Collection<String> userIds) {
        if (userIds.isEmpty()) {
            return Map.of();
        }
        Map<String, Order> found = new HashMap<>();
        jdbc.sql("SELECT " + COLUMNS + " FROM orders WHERE product_id = ? AND " + TAKEN + " AND user_id = ANY (?::varchar[])")
                .params(productId, SqlArrays.text(userIds))
                .query(Orders::order)
                .list()
                .forEach(o -> found.put(o.userId(), o));
        return found;
    }

    @Override
    public SalesSummary summary(UUID productId) {
        return jdbc.sql("""
                SELECT count(*), coalesce(sum(quantity), 0),
                       (SELECT coalesce(max(unit_no), 0) FROM order_units WHERE product_id = :p)
                FROM orders WHERE product_id = :p AND %s""".formatted(TAKEN))
                .param("p", productId)
                .query((rs, n) -> new SalesSummary(rs.getLong(1), rs.getLong(2), rs.getInt(3)))
                .single();
    }

    @Override
    public long unitsSold(UUID productId, Collection<Integer> units) {
        if (units.isEmpty()) {
            return 0;
        }
        return jdbc.sql("SELECT count(*) FROM order_units WHERE product_id = ? AND unit_no = ANY (?::int[])")
                .params(productId, SqlArrays.ints(units))
                .query(Long.class)
                .single();
    }

    @Override
    public Map<UUID, OrderStatus> statuses(Collection<UUID> orderIds) {
        if (orderIds.isEmpty()) {
            return Map.of();
        }
        Map<UUID, OrderStatus> statuses = new HashMap<>();
        jdbc.sql("SELECT id, status FROM orders WHERE id = ANY (?::uuid[])")
                .param(SqlArrays.text(orderIds, UUID::toString))
                .query(rs -> {
                    statuses.put(rs.getObject("id", UUID.class), OrderStatus.of(rs.getString("status")));
                });
        return statuses;
    }

    @Override
    public List<Order> ofUser(String userId, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM orders WHERE user_id = ? ORDER BY created_at DESC LIMIT ?")
                .params(userId, limit)
                .query(Orders::order)
                .list();
    }

    /** One grouped statement, read through a cursor like {@link #forEachSold}. */
    @Override
    public void forEachAddress(UUID productId, int chunkSize, Consumer<Map<String, Integer>> consumer) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be positive");
        }
        readOnly.executeWithoutResult(status -> {
            Map<String, Integer> chunk = new HashMap<>();
            jdbc.sql("""
                    SELECT metadata->>'ip', sum(quantity)
                    FROM orders
                    WHERE product_id = ? AND %s AND metadata->>'ip' IS NOT NULL
                    GROUP BY 1""".formatted(TAKEN))
                    .param(productId)
                    .withFetchSize(chunkSize)
                    .query(rs -> {
                        chunk.put(rs.getString(1), rs.getInt(2));
                        if (chunk.size() == chunkSize) {
                            consumer.accept(Map.copyOf(chunk));
                            chunk.clear();
                        }
                    });
            if (!chunk.isEmpty()) {
                consumer.accept(Map.copyOf(chunk));
            }
        });
    }

    /**
     * One statement, so buyers, quantity and units come from one snapshot, read through a cursor
     * ({@code fetchSize} rows at a time, which PostgreSQL's driver does only inside a transaction)
     * and handed over a chunk at a time.
     */
    @Override
    public void forEachSold(UUID productId, int chunkSize, Consumer<SoldChunk> consumer) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be positive");
        }
        readOnly.executeWithoutResult(status -> {
            ChunkBuilder chunk = new ChunkBuilder(chunkSize);
            jdbc.sql("""
                    SELECT o.user_id, o.quantity, array_agg(u.unit_no) FILTER (WHERE u.unit_no IS NOT NULL) AS units
                    FROM orders o LEFT JOIN order_units u ON u.order_id = o.id
                    WHERE o.product_id = ? AND o.%s
                    GROUP BY o.id""".formatted(TAKEN))
                    .param(productId)
                    .withFetchSize(chunkSize)
                    .query(rs -> {
                        Array array = rs.getArray(3);
                        chunk.add(rs.getString(1), rs.getInt(2), array == null ? null : (Integer[]) array.getArray());
                        if (chunk.size() == chunkSize) {
                            consumer.accept(chunk.take());
                        }
                    });
            if (chunk.size() > 0) {
                consumer.accept(chunk.take());
            }
        });
    }

    @Override
    public void forEachHold(UUID productId, int chunkSize, Consumer<List<HeldOrder>> consumer) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be positive");
        }
        readOnly.executeWithoutResult(status -> {
            List<HeldOrder> chunk = new ArrayList<>(chunkSize);
            jdbc.sql("""
                    SELECT o.id, o.user_id, o.quantity, o.metadata->>'ip' AS address,
                           array_agg(u.unit_no) FILTER (WHERE u.unit_no IS NOT NULL) AS units
                    FROM orders o LEFT JOIN order_units u ON u.order_id = o.id
                    WHERE o.product_id = ? AND o.status = 'awaiting_payment'
                    GROUP BY o.id""")
                    .param(productId)
                    .withFetchSize(chunkSize)
                    .query(rs -> {
                        Array array = rs.getArray("units");
                        chunk.add(new HeldOrder(rs.getObject("id", UUID.class), rs.getString("user_id"),
                                rs.getInt("quantity"), array == null ? List.of() : List.of((Integer[]) array.getArray()),
                                rs.getString("address")));
                        if (chunk.size() == chunkSize) {
                            consumer.accept(List.copyOf(chunk));
                            chunk.clear();
                        }
                    });
            if (!chunk.isEmpty()) {
                consumer.accept(List.copyOf(chunk));
            }
        });
    }

    /** The orders read since the last chunk was handed over. */
    private static final class ChunkBuilder {

        private final List<String> buyers;
        private final List<Integer> units;
        private int quantity;

        ChunkBuilder(int size) {
            this.buyers = new ArrayList<>(size);
            this.units = new ArrayList<>(size);
        }

        void add(String buyer, int orderQuantity, Integer @Nullable [] orderUnits) {
            buyers.add(buyer);
            quantity += orderQuantity;
            if (orderUnits != null) {
                units.addAll(Arrays.asList(orderUnits));
            }
        }

        int size() {
            return buyers.size();
        }

        SoldChunk take() {
            SoldChunk chunk = new SoldChunk(List.copyOf(buyers), quantity, List.copyOf(units));
            buyers.clear();
            units.clear();
            quantity = 0;
            return chunk;
        }
    }

    private static Order order(ResultSet rs, int row) throws SQLException {
        return new Order(
                rs.getObject("id", UUID.class),
                rs.getString("user_id"),
                rs.getObject("product_id", UUID.class),
                rs.getInt("quantity"),
                rs.getBigDecimal("unit_price"),
                OrderStatus.of(rs.getString("status")),
                rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("pay_by") == null ? null : rs.getTimestamp("pay_by").toInstant());
    }
}
