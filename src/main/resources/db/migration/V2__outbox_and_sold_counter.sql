-- Spring Modulith's JDBC event publication registry (schema v2 of spring-modulith-events-jdbc),
-- owned by Flyway so that the outbox table is versioned with the rest of the schema.
CREATE TABLE event_publication (
    id                      uuid        NOT NULL PRIMARY KEY,
    listener_id             text        NOT NULL,
    event_type              text        NOT NULL,
    serialized_event        text        NOT NULL,
    publication_date        timestamptz NOT NULL,
    completion_date         timestamptz,
    status                  text,
    completion_attempts     integer,
    last_resubmission_date  timestamptz
);

CREATE INDEX event_publication_serialized_event_hash_idx ON event_publication USING hash (serialized_event);
CREATE INDEX event_publication_by_completion_date_idx ON event_publication (completion_date);

-- Which orders the sold counter has already counted: a redelivered OrderPlaced counts once.
CREATE TABLE sold_counter_ledger (
    order_id    uuid        PRIMARY KEY,
    product_id  uuid        NOT NULL,
    quantity    integer     NOT NULL,
    counted_at  timestamptz NOT NULL DEFAULT now()
);
