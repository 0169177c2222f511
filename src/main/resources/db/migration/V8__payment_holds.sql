-- Payment holds (decision 0029). A sale with a payment window sells to a winner who must pay by a
-- deadline: the order is 'awaiting_payment' until a payment completes it or the deadline expires
-- it. While it waits it holds its units and its buyer's place like a completed order does.
--
-- hold_seconds: the payment window of a sale (NULL: none; a 201 is a completed order).
-- pay_by: the deadline of an order awaiting payment (NULL for an order sold without a window).
ALTER TABLE products
    ADD COLUMN hold_seconds integer CHECK (hold_seconds BETWEEN 1 AND 86400);

ALTER TABLE orders
    ADD COLUMN pay_by timestamptz;

-- 'awaiting_payment' and 'expired' join the states. NOT VALID then VALIDATE: the check of the
-- existing rows runs without blocking the order path's inserts.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('pending', 'awaiting_payment', 'completed', 'expired', 'cancelled', 'failed')) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_awaiting_payment_has_deadline
    CHECK (status <> 'awaiting_payment' OR pay_by IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_awaiting_payment_has_deadline;

-- What the payment provider told us, one row per provider event: a replayed event is a conflict
-- on its id and changes nothing. outcome: 'paid' (this event completed the order) or 'refund'
-- (money to give back, and why: the deadline had passed, the order was already paid, the buyer
-- had cancelled it, the amount was not the order's, or the order was never one to pay for).
CREATE TABLE payment_events (
    event_id      varchar(128)  PRIMARY KEY CHECK (length(event_id) > 0),
    order_id      uuid          NOT NULL REFERENCES orders (id),
    amount        numeric(12,2) NOT NULL,
    outcome       varchar(16)   NOT NULL CHECK (outcome IN ('paid', 'refund')),
    reason        varchar(32)   CHECK (outcome = 'paid' OR reason IN ('late', 'already_paid', 'cancelled', 'amount_mismatch', 'not_payable')),
    received_at   timestamptz   NOT NULL DEFAULT clock_timestamp()
);

-- An order is paid once: a second payment for it is a refund.
CREATE UNIQUE INDEX payment_events_one_paid_per_order ON payment_events (order_id) WHERE outcome = 'paid';
CREATE INDEX payment_events_refunds ON payment_events (received_at) WHERE outcome = 'refund';
