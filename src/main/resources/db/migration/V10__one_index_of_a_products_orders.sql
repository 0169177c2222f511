-- A product's orders that hold units (completed or awaiting payment) have their index,
-- orders_taken_by_product; a query of the completed ones alone uses it too (status = 'completed'
-- implies its condition). The index of the completed orders alone would only cost every order
-- one more index entry. CONCURRENTLY: without blocking the order path (Flyway runs it on its own).
DROP INDEX CONCURRENTLY IF EXISTS orders_completed_by_product;
