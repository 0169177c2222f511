-- Two opt-in controls against bots, per sale; both off by default (decision 0017).
-- per_address_limit: units all orders from one client address may hold (NULL: no cap).
-- purchase_gated: purchases need a single-use purchase token; pow_difficulty: leading zero bits
-- of the proof of work that earns one (0: a token without a challenge).
ALTER TABLE products
    ADD COLUMN per_address_limit integer  CHECK (per_address_limit >= 1),
    ADD COLUMN purchase_gated    boolean  NOT NULL DEFAULT false,
    ADD COLUMN pow_difficulty    smallint NOT NULL DEFAULT 0 CHECK (pow_difficulty BETWEEN 0 AND 24);
