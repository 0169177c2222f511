-- A buyer's orders (GET /sale/user/orders) are read newest first, a page at a time: found through
-- this index whatever their status, at a cost that grows with the page, not with the table.
-- Built without blocking the order path's inserts (CONCURRENTLY runs outside a transaction; Flyway
-- runs this script on its own).
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_by_user ON orders (user_id, created_at DESC);
