-- What admins did, and who tried to be one (decision 0018). Rows are only ever added: the trigger
-- below refuses UPDATE, DELETE and TRUNCATE, whoever sends them. Pruning is an operator's job,
-- documented in docs/OPERATIONS.md (the trigger disabled inside the pruning transaction).
CREATE TABLE admin_audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL,
    -- the admin as identified: a session's or token's subject, 'admin key', or 'anonymous' for a refused credential
    actor          text        NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    -- the client address as the service sees it (a trusted proxy's X-Forwarded-For, else the TCP peer)
    source_address text        NOT NULL CHECK (length(source_address) BETWEEN 1 AND 100),
    action         text        NOT NULL CHECK (action ~ '^[a-z]+(\.[a-z-]+)+$' AND length(action) <= 50),
    -- what it was done to (a product id, a publication id, a request path), or NULL
    target         text        CHECK (length(target) <= 300),
    before         jsonb,
    after          jsonb,
    outcome        text        NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed', 'skipped'))
);

CREATE INDEX admin_audit_log_at ON admin_audit_log (at);
CREATE INDEX admin_audit_log_target ON admin_audit_log (target, id) WHERE target IS NOT NULL;

CREATE FUNCTION admin_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'pruning is documented in docs/OPERATIONS.md';
END $$;

-- statement triggers: a DELETE or UPDATE that matches no row is refused too
CREATE TRIGGER admin_audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON admin_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_log_append_only();
