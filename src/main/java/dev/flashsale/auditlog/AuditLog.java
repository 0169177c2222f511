package dev.flashsale.auditlog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The admin audit log: what admins did, and who tried to be one, appended to
 * {@code admin_audit_log} in PostgreSQL, which refuses to change or remove a row (decision 0018).
 *
 * <p>Three ways to record, by what a lost entry would mean: {@link #recordWithChange} joins the
 * caller's transaction, so a change and its entry commit together or not at all;
 * {@link #record} writes at once and throws if it cannot; {@link #recordOrWarn} writes at once
 * and, if it cannot, logs the entry at WARN and lets the caller go on (a refused credential must
 * be answered 401 whether or not PostgreSQL is there).
 */
@Service
public class AuditLog {

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final ObjectReader exact;
    private final Clock clock;

    AuditLog(JdbcClient jdbc, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        // prices read back as they were written (19.90, not 19.9)
        this.exact = json.readerFor(JsonNode.class).with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        this.clock = clock;
    }

    /** A page of entries, newest first, and the {@code before} of the next (older) page, or null at the end. */
    public record Page(List<AuditEntry> entries,
                       @Schema(description = "the before= of the next (older) page; null on the last page",
                               nullable = true) Long nextBefore) {
    }

    /**
     * Records a change in the caller's transaction, as done: it commits with the change, or neither
     * does.
     *
     * @throws IllegalStateException outside a transaction
     */
    public void recordWithChange(Actor actor, AuditAction action, String target, Map<String, ?> before,
                                 Map<String, ?> after) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("a change is recorded in the transaction that makes it");
        }
        insert(actor, action, target, before, after, AuditOutcome.OK);
    }

    /** Records an entry on its own; throws if PostgreSQL does not take it. */
    public void record(Actor actor, AuditAction action, String target, Map<String, ?> after, AuditOutcome outcome) {
        insert(actor, action, target, null, after, outcome);
    }

    /**
     * Records an entry on its own, or, if PostgreSQL does not take it, logs it at WARN.
     *
     * @return whether it was recorded
     */
    public boolean recordOrWarn(Actor actor, AuditAction action, String target, Map<String, ?> after,
                                AuditOutcome outcome) {
        try {
            insert(actor, action, target, null, after, outcome);
            return true;
        } catch (RuntimeException e) {
            log.warn("audit entry not recorded action={} outcome={} actor={} address={} target={}: {}", action.key(),
                    outcome.stored(), actor.name(), actor.address(), target, e.toString());
            return false;
        }
    }

    /** Entries older than {@code before} (all if null), newest first, at most {@code limit}. */
    public Page page(Long before, int limit) {
        List<AuditEntry> entries = jdbc.sql("""
                SELECT id, at, actor, source_address, action, target, before::text AS before, after::text AS after, outcome
                FROM admin_audit_log WHERE id < ? ORDER BY id DESC LIMIT ?""")
                .params(before != null ? before : Long.MAX_VALUE, limit + 1)
                .query(this::entry)
                .list();
        if (entries.size() > limit) {
            List<AuditEntry> page = entries.subList(0, limit);
            return new Page(List.copyOf(page), page.getLast().id());
        }
        return new Page(entries, null);
    }

    private void insert(Actor actor, AuditAction action, String target, Map<String, ?> before, Map<String, ?> after,
                        AuditOutcome outcome) {
        jdbc.sql("""
                INSERT INTO admin_audit_log (at, actor, source_address, action, target, before, after, outcome)
                VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?)""")
                .params(Timestamp.from(clock.instant()), clip(actor.name(), 200), clip(actor.address(), 100),
                        action.key(), target == null ? null : clip(target, 300), jsonOrNull(before), jsonOrNull(after),
                        outcome.stored())
                .update();
    }

    private String jsonOrNull(Map<String, ?> value) {
        return value == null ? null : json.writeValueAsString(value);
    }

    /** Text as the table's checks take it: not empty, not too long, no NUL (PostgreSQL refuses it in text). */
    private static String clip(String text, int max) {
        if (text == null || text.isEmpty()) {
            return "unknown";
        }
        String clean = text.replace('\0', '?');
        return clean.length() <= max ? clean : clean.substring(0, max);
    }

    private AuditEntry entry(ResultSet rs, int row) throws SQLException {
        return new AuditEntry(rs.getLong("id"), rs.getTimestamp("at").toInstant(), rs.getString("actor"),
                rs.getString("source_address"), rs.getString("action"), rs.getString("target"),
                tree(rs.getString("before")), tree(rs.getString("after")), rs.getString("outcome"));
    }

    private JsonNode tree(String text) {
        return text == null ? null : exact.readValue(text);
    }
}
