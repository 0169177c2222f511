-- I1 under concurrency: selling a unit and lowering the stock below it cannot both commit.
--
-- A unit row is checked against its product's stock under a KEY SHARE lock of the product (the
-- lock its foreign key takes as well), held to the end of the order's transaction. Lowering the
-- stock takes the product's FOR UPDATE lock, the one mode that conflicts with KEY SHARE. Whichever
-- comes second waits for the first to end, then reads what it committed:
--   * an order whose units are in flight makes the lowering wait; the lowering then sees the
--     units and is refused (products_stock_covers_units);
--   * a lowering in flight makes the order wait; the order then reads the lowered stock and is
--     refused (order_units_within_stock).
-- Without the locks each check read the other's state before it committed, and both passed. The
-- sold counter's updates (NO KEY UPDATE) do not conflict with KEY SHARE, so orders never wait for
-- them. The unit check runs once per statement (a group commit inserts a batch's units in one).

DROP TRIGGER order_units_within_stock ON order_units;
DROP FUNCTION order_units_within_stock();

CREATE FUNCTION order_units_within_stock() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    beyond record;
BEGIN
    PERFORM 1 FROM products WHERE id IN (SELECT product_id FROM units) ORDER BY id FOR KEY SHARE;
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

CREATE TRIGGER order_units_within_stock AFTER INSERT ON order_units
    REFERENCING NEW TABLE AS units FOR EACH STATEMENT EXECUTE FUNCTION order_units_within_stock();
CREATE TRIGGER order_units_within_stock_on_update AFTER UPDATE ON order_units
    REFERENCING NEW TABLE AS units FOR EACH STATEMENT EXECUTE FUNCTION order_units_within_stock();

CREATE OR REPLACE FUNCTION products_stock_covers_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.total_quantity < OLD.total_quantity THEN
        -- waits for every transaction whose units of this product are not yet committed
        PERFORM 1 FROM products WHERE id = NEW.id FOR UPDATE;
        IF EXISTS (SELECT 1 FROM order_units WHERE product_id = NEW.id AND unit_no > NEW.total_quantity) THEN
            RAISE EXCEPTION 'product % has sold units above %', NEW.id, NEW.total_quantity
                USING ERRCODE = 'check_violation', CONSTRAINT = 'products_stock_covers_units';
        END IF;
    END IF;
    RETURN NEW;
END $$;
