-- A sale's stock split across Redis hash slots (decision 0030). shards: how many pools the live
-- stock of the sale is split into, each under its own hash tag, so that one sale can use several
-- Redis Cluster masters. 1 (the default) keeps a sale on one slot.
ALTER TABLE products
    ADD COLUMN shards smallint NOT NULL DEFAULT 1 CHECK (shards BETWEEN 1 AND 16);
