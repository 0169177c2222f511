-- Orders and units refer to an existing product, checked once per statement instead of by foreign
-- keys. A foreign key checks each inserted row on its own and takes the product row's KEY SHARE
-- lock for each: a group commit of a sale inserts hundreds of rows of one product, and with two
-- writers committing at once every one of those locks joins a multixact on that one row. The
-- statement triggers that already check a batch (the per-user limit, the stock) take the lock once
-- per product and look the products up once (decision 0031).
--
-- What the foreign keys guaranteed still holds:
--   * an order or unit of a product that does not exist is refused (foreign_key_violation, under
--     the foreign key's name), the whole statement with it;
--   * a product that orders or units refer to cannot be deleted, nor its id changed;
--   * under concurrency, whichever comes second waits for the first: an order in flight holds its
--     products' KEY SHARE lock to its end, which a deletion's row lock waits for (then the deletion
--     sees the order and is refused); a deletion in flight makes the order's lock wait (then the
--     order finds its product gone and is refused).
-- The checks read the latest committed rows, as foreign keys do, under READ COMMITTED (each
-- statement of a PL/pgSQL function takes a new snapshot); the service writes no other way.
-- A unit's order is still a foreign key: each unit refers to its own new order row, no shared row.

ALTER TABLE orders DROP CONSTRAINT orders_product_id_fkey;
ALTER TABLE order_units DROP CONSTRAINT order_units_product_id_fkey;

-- Locks the products (KEY SHARE, in id order) to the end of the transaction, and refuses the
-- statement if one of them does not exist.
CREATE FUNCTION lock_referenced_products(ids uuid[], referrer text, reference text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    missing uuid;
BEGIN
    PERFORM 1 FROM products WHERE id = ANY (ids) ORDER BY id FOR KEY SHARE;
    SELECT i INTO missing FROM unnest(ids) AS i WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.id = i) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '% refers to product %, which does not exist', referrer, missing
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = reference;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION orders_within_user_limit_per_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    beyond record;
BEGIN
    PERFORM lock_referenced_products(ARRAY(SELECT DISTINCT product_id FROM placed), 'an order', 'orders_product_id_fkey');
    SELECT o.quantity, o.product_id, p.per_user_limit INTO beyond
    FROM placed o JOIN products p ON p.id = o.product_id
    WHERE o.quantity > p.per_user_limit
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'order quantity % exceeds the per-user limit of product %', beyond.quantity, beyond.product_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_within_user_limit';
    END IF;
    RETURN NULL;
END $$;

-- An update of an order's quantity or product (which the service never makes), row by row.
CREATE OR REPLACE FUNCTION orders_within_user_limit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lock_referenced_products(ARRAY[NEW.product_id], 'an order', 'orders_product_id_fkey');
    IF NEW.quantity > (SELECT per_user_limit FROM products WHERE id = NEW.product_id) THEN
        RAISE EXCEPTION 'order quantity % exceeds the per-user limit of product %', NEW.quantity, NEW.product_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_within_user_limit';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION order_units_within_stock() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    beyond record;
BEGIN
    PERFORM lock_referenced_products(ARRAY(SELECT DISTINCT product_id FROM units), 'a unit', 'order_units_product_id_fkey');
    SELECT u.unit_no, u.product_id INTO beyond
    FROM units u JOIN products p ON p.id = u.product_id
    WHERE u.unit_no > p.total_quantity
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unit % is beyond the stock of product %', beyond.unit_no, beyond.product_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'order_units_within_stock';
    END IF;
    RETURN NULL;
END $$;

-- A product that orders or units refer to stays: no deletion, no new id. The row is locked before
-- a BEFORE ROW trigger runs, so an order in flight (holding KEY SHARE) is waited for and then seen.
CREATE FUNCTION products_keep_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id)
       AND (EXISTS (SELECT 1 FROM orders WHERE product_id = OLD.id)
            OR EXISTS (SELECT 1 FROM order_units WHERE product_id = OLD.id)) THEN
        RAISE EXCEPTION 'product % is referred to by orders', OLD.id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'orders_product_id_fkey';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER products_keep_referenced BEFORE DELETE OR UPDATE OF id ON products
    FOR EACH ROW EXECUTE FUNCTION products_keep_referenced();
