-- I2's limit guard, checked once per statement: a group commit inserts a batch of orders in one
-- statement, and a row trigger ran a PL/pgSQL call and a product lookup for each of them (a tenth
-- of PostgreSQL's work per order). The statement trigger reads the batch's new rows (a transition
-- table) against their products in one join. It runs after the rows are in, so an order that
-- breaks the unique index as well is refused by the index first; either way the whole statement
-- is refused.
--
-- Transition tables cannot be combined with a column list, so an update of quantity or product
-- (which the service never makes) keeps the row trigger.

CREATE FUNCTION orders_within_user_limit_per_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    beyond record;
BEGIN
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

DROP TRIGGER orders_within_user_limit ON orders;

CREATE TRIGGER orders_within_user_limit AFTER INSERT ON orders
    REFERENCING NEW TABLE AS placed FOR EACH STATEMENT EXECUTE FUNCTION orders_within_user_limit_per_statement();
CREATE TRIGGER orders_within_user_limit_on_update BEFORE UPDATE OF quantity, product_id ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_within_user_limit();
