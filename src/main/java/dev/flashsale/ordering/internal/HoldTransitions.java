package dev.flashsale.ordering.internal;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.flashsale.ordering.OrderStatus;
import dev.flashsale.ordering.Refund;
import dev.flashsale.ordering.RefundReason;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The moves of an order awaiting payment, each one guarded statement: paid, expired or cancelled.
 * Whichever comes first takes the row's lock and changes its state; the others then find the
 * state changed and their condition false (PostgreSQL re-checks the condition on the row as the
 * first left it), so exactly one of them happens. The deadline is judged by PostgreSQL's clock: a
 * payment completes the order if it reads the row before {@code pay_by} ({@code clock_timestamp()});
 * the expiry takes the orders whose {@code pay_by} had passed when its statement started ({@code now()}).
 * Expiring or cancelling an order also frees its unit rows, in the same statement, so that the
 * units can be sold again.
 */
@Repository
public class HoldTransitions {

    private final JdbcClient jdbc;

    public HoldTransitions(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** An order a move settled: what Redis needs to settle its hold, and when it was due. */
    public record Settled(UUID orderId, UUID productId, String userId, int quantity, BigDecimal unitPrice,
                          Instant createdAt, Instant payBy, Instant settledAt) {
    }

    /**
     * Expires up to {@code limit} orders whose deadline has passed, the earliest first. Orders
     * another instance is expiring at the same moment are skipped (each row is expired once). The
     * guard is the locking read: it takes the due orders from the head of the deadline index, up to
     * the statement's start ({@code now()}, a bound the index can stop at), and locks each one; a
     * row a payment changed meanwhile is read again as the payment left it, and no longer matches,
     * and a row a payment holds is skipped. The update then changes exactly the locked rows, joined
     * by key only: a condition of its own let the planner, misled by stale statistics, scan every
     * order awaiting payment once per due order.
     */
    public List<Settled> expireDue(int limit) {
        return jdbc.sql("""
                WITH due AS (
                    SELECT id FROM orders
                    WHERE status = 'awaiting_payment' AND pay_by <= now()
                    ORDER BY pay_by
                    LIMIT ?
                    FOR UPDATE SKIP LOCKED),
                expired AS (
                    UPDATE orders o SET status = 'expired', updated_at = clock_timestamp()
                    FROM due
                    WHERE o.id = due.id
                    RETURNING o.id, o.product_id, o.user_id, o.quantity, o.unit_price, o.created_at, o.pay_by,
                              o.updated_at),
                freed AS (
                    DELETE FROM order_units u USING expired e WHERE u.order_id = e.id)
                SELECT * FROM expired""")
                .param(limit)
                .query(HoldTransitions::settled)
                .list();
    }

    /** Cancels the user's order if it is still awaiting payment. */
    public Optional<Settled> cancel(UUID orderId, String userId) {
        return jdbc.sql("""
                WITH cancelled AS (
                    UPDATE orders SET status = 'cancelled', updated_at = clock_timestamp()
                    WHERE id = ? AND user_id = ? AND status = 'awaiting_payment'
                    RETURNING id, product_id, user_id, quantity, unit_price, created_at, pay_by, updated_at),
                freed AS (
                    DELETE FROM order_units u USING cancelled c WHERE u.order_id = c.id)
                SELECT * FROM cancelled""")
                .params(orderId, userId)
                .query(HoldTransitions::settled)
                .optional();
    }

    /** Completes the order if it is awaiting payment and its deadline has not passed. */
    public Optional<Settled> pay(UUID orderId) {
        return jdbc.sql("""
                UPDATE orders SET status = 'completed', updated_at = clock_timestamp()
                WHERE id = ? AND status = 'awaiting_payment' AND pay_by > clock_timestamp()
                RETURNING id, product_id, user_id, quantity, unit_price, created_at, pay_by, updated_at""")
                .param(orderId)
                .query(HoldTransitions::settled)
                .optional();
    }

    /** An order as a payment for it finds it. */
    public record Payable(UUID orderId, String userId, OrderStatus status, BigDecimal total, Instant payBy) {
    }

    public Optional<Payable> payable(UUID orderId) {
        return jdbc.sql("SELECT id, user_id, status, quantity * unit_price AS total, pay_by FROM orders WHERE id = ?")
                .param(orderId)
                .query((rs, n) -> new Payable(rs.getObject("id", UUID.class), rs.getString("user_id"),
                        OrderStatus.of(rs.getString("status")), rs.getBigDecimal("total"),
                        rs.getTimestamp("pay_by") == null ? null : rs.getTimestamp("pay_by").toInstant()))
                .optional();
    }

    /** A provider's event already recorded: what it came to. */
    public record RecordedEvent(UUID orderId, String outcome, RefundReason reason) {
    }

    public Optional<RecordedEvent> recorded(String eventId) {
        return jdbc.sql("SELECT order_id, outcome, reason FROM payment_events WHERE event_id = ?")
                .param(eventId)
                .query((rs, n) -> new RecordedEvent(rs.getObject("order_id", UUID.class), rs.getString("outcome"),
                        rs.getString("reason") == null ? null : RefundReason.of(rs.getString("reason"))))
                .optional();
    }

    /** Records the provider's event; a second event with the same id is refused (a key conflict). */
    public void record(String eventId, UUID orderId, BigDecimal amount, RefundReason refund) {
        jdbc.sql("INSERT INTO payment_events (event_id, order_id, amount, outcome, reason) VALUES (?, ?, ?, ?, ?)")
                .params(eventId, orderId, amount, refund == null ? "paid" : "refund",
                        refund == null ? null : refund.value())
                .update();
    }

    /** Orders awaiting payment now, and of them those due within {@code soon} of PostgreSQL's clock. */
    public record Outstanding(long awaiting, long dueSoon) {
    }

    public Outstanding outstanding(UUID productId, java.time.Duration soon) {
        return jdbc.sql("""
                SELECT count(*) AS awaiting,
                       count(*) FILTER (WHERE pay_by <= clock_timestamp() + make_interval(secs => ?)) AS due_soon
                FROM orders
                WHERE status = 'awaiting_payment' AND (?::uuid IS NULL OR product_id = ?::uuid)""")
                .params(soon.toSeconds(), productId, productId)
                .query((rs, n) -> new Outstanding(rs.getLong("awaiting"), rs.getLong("due_soon")))
                .single();
    }

    /** Orders of a payment window that expired or were cancelled. */
    public long expired(UUID productId) {
        return jdbc.sql("""
                SELECT count(*) FROM orders
                WHERE status IN ('expired', 'cancelled') AND pay_by IS NOT NULL
                  AND (?::uuid IS NULL OR product_id = ?::uuid)""")
                .params(productId, productId)
                .query(Long.class)
                .single();
    }

    /** The refunds to make, newest first. */
    public List<Refund> refunds(UUID productId, int limit) {
        return jdbc.sql("""
                SELECT e.event_id, e.order_id, o.product_id, o.user_id, e.amount, e.reason, e.received_at
                FROM payment_events e JOIN orders o ON o.id = e.order_id
                WHERE e.outcome = 'refund' AND (?::uuid IS NULL OR o.product_id = ?::uuid)
                ORDER BY e.received_at DESC
                LIMIT ?""")
                .params(productId, productId, limit)
                .query((rs, n) -> new Refund(rs.getString("event_id"), rs.getObject("order_id", UUID.class),
                        rs.getObject("product_id", UUID.class), rs.getString("user_id"), rs.getBigDecimal("amount"),
                        RefundReason.of(rs.getString("reason")), rs.getTimestamp("received_at").toInstant()))
                .list();
    }

    public long refundCount(UUID productId) {
        return jdbc.sql("""
                SELECT count(*) FROM payment_events e JOIN orders o ON o.id = e.order_id
                WHERE e.outcome = 'refund' AND (?::uuid IS NULL OR o.product_id = ?::uuid)""")
                .params(productId, productId)
                .query(Long.class)
                .single();
    }

    private static Settled settled(ResultSet rs, int row) throws SQLException {
        return new Settled(rs.getObject("id", UUID.class), rs.getObject("product_id", UUID.class),
                rs.getString("user_id"), rs.getInt("quantity"), rs.getBigDecimal("unit_price"),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("pay_by").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
    }
}
