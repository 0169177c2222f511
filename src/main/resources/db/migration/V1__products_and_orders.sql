-- Products on sale and the orders that bought them. PostgreSQL is the truth: every law the hot
-- path keeps in Redis is also a constraint here, so a Redis that lost writes cannot break it.

CREATE TABLE products (
    id              uuid          PRIMARY KEY,
    name            varchar(200)  NOT NULL CHECK (length(btrim(name)) > 0),
    description     text,
    price           numeric(12,2) NOT NULL CHECK (price >= 0),
    total_quantity  integer       NOT NULL CHECK (total_quantity > 0),
    sold_quantity   integer       NOT NULL DEFAULT 0,
    per_user_limit  integer       NOT NULL DEFAULT 1 CHECK (per_user_limit >= 1),
    sale_start_at   timestamptz   NOT NULL,
    sale_end_at     timestamptz   NOT NULL,
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT products_sold_within_stock CHECK (sold_quantity >= 0 AND sold_quantity <= total_quantity),
    CONSTRAINT products_window_ordered CHECK (sale_start_at < sale_end_at)
);

CREATE INDEX products_created_at_idx ON products (created_at DESC);
CREATE INDEX products_sale_end_at_idx ON products (sale_end_at);

CREATE TABLE orders (
    id          uuid          PRIMARY KEY,
    user_id     varchar(128)  NOT NULL CHECK (length(user_id) > 0),
    product_id  uuid          NOT NULL REFERENCES products (id),
    quantity    integer       NOT NULL CHECK (quantity > 0),
    unit_price  numeric(12,2) NOT NULL CHECK (unit_price >= 0),
    status      varchar(16)   NOT NULL CHECK (status IN ('pending', 'completed', 'cancelled', 'failed')),
    metadata    jsonb,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now()
);

-- I2: one completed order per user and product.
CREATE UNIQUE INDEX orders_one_completed_per_user ON orders (user_id, product_id) WHERE status = 'completed';
CREATE INDEX orders_completed_by_product ON orders (product_id) WHERE status = 'completed';

-- I2: an order never holds more than the product's per-user limit.
CREATE FUNCTION orders_within_user_limit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.quantity > (SELECT per_user_limit FROM products WHERE id = NEW.product_id) THEN
        RAISE EXCEPTION 'order quantity % exceeds the per-user limit of product %', NEW.quantity, NEW.product_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_within_user_limit';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER orders_within_user_limit BEFORE INSERT OR UPDATE OF quantity, product_id ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_within_user_limit();

-- I1: each unit sold is a numbered slot, unique per product and bounded by the stock. Redis hands
-- the numbers out; this table refuses a unit twice or a unit beyond the stock, whatever Redis says.
CREATE TABLE order_units (
    product_id  uuid     NOT NULL REFERENCES products (id),
    unit_no     integer  NOT NULL CHECK (unit_no >= 1),
    order_id    uuid     NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT order_units_pkey PRIMARY KEY (product_id, unit_no)
);

CREATE INDEX order_units_order_idx ON order_units (order_id);

CREATE FUNCTION order_units_within_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.unit_no > (SELECT total_quantity FROM products WHERE id = NEW.product_id) THEN
        RAISE EXCEPTION 'unit % is beyond the stock of product %', NEW.unit_no, NEW.product_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'order_units_within_stock';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER order_units_within_stock BEFORE INSERT OR UPDATE ON order_units
    FOR EACH ROW EXECUTE FUNCTION order_units_within_stock();

-- Lowering the stock below a unit that is sold is refused.
CREATE FUNCTION products_stock_covers_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.total_quantity < OLD.total_quantity
       AND EXISTS (SELECT 1 FROM order_units WHERE product_id = NEW.id AND unit_no > NEW.total_quantity) THEN
        RAISE EXCEPTION 'product % has sold units above %', NEW.id, NEW.total_quantity
            USING ERRCODE = 'check_violation', CONSTRAINT = 'products_stock_covers_units';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER products_stock_covers_units BEFORE UPDATE OF total_quantity ON products
    FOR EACH ROW EXECUTE FUNCTION products_stock_covers_units();
