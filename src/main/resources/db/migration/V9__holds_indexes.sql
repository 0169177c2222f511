-- Indexes for payment holds, built without blocking the order path (CONCURRENTLY runs outside a
-- transaction; Flyway runs this script on its own).
--
-- I2 across both states: one order per user and product that is completed or awaiting payment.
-- The new index is in place before the old one (completed only) goes.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_one_taken_per_user ON orders (user_id, product_id)
    WHERE status IN ('completed', 'awaiting_payment');
DROP INDEX CONCURRENTLY IF EXISTS orders_one_completed_per_user;

-- A product's orders that hold units (completed or awaiting payment): warm-up, reconciler, audit.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_taken_by_product ON orders (product_id)
    WHERE status IN ('completed', 'awaiting_payment');

-- The holds due next: the expiry reads the head of this index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_awaiting_payment_by_deadline ON orders (pay_by)
    WHERE status = 'awaiting_payment';
