package dev.flashsale.catalog;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The products on sale. Reads of one product are served from a local cache refreshed every
 * {@code cache-ttl} (the definition changes rarely; live stock comes from the inventory, not
 * from here), which also carries the status page through a PostgreSQL outage.
 */
@Service
public class Catalog {

    private static final TimeBasedEpochGenerator IDS = Generators.timeBasedEpochGenerator();
    private static final Duration STALE_FOR = Duration.ofMinutes(10);
    private static final String COLUMNS = """
            id, name, description, price, total_quantity, sold_quantity, per_user_limit,
            sale_start_at, sale_end_at, created_at, updated_at, per_address_limit, purchase_gated, pow_difficulty,
            hold_seconds, shards""";

    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final LoadingCache<UUID, Optional<Product>> byId;
    /** Sales that exist only in this instance's memory, while it rehearses before taking traffic. */
    private final Map<UUID, Product> rehearsals = new ConcurrentHashMap<>();
    /**
     * Every rehearsal sale of this instance, ended ones too (a few per start): an order accepted
     * while its sale was rehearsed may reach the writer after the sale ended, and is still written
     * as a rehearsal's, in a transaction that is rolled back.
     */
    private final Map<UUID, Product> rehearsed = new ConcurrentHashMap<>();

    Catalog(JdbcClient jdbc, PlatformTransactionManager transactions, Clock clock, CatalogProperties properties) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
        this.clock = clock;
        // Refreshed in the background once older than the TTL; while PostgreSQL cannot be reached
        // the last known definition keeps being served (for at most STALE_FOR).
        this.byId = Caffeine.newBuilder()
                .refreshAfterWrite(properties.cacheTtl())
                .expireAfterWrite(STALE_FOR.compareTo(properties.cacheTtl()) > 0 ? STALE_FOR : properties.cacheTtl())
                .maximumSize(100_000)
                .build(this::cached);
    }

    /** The product, from the local cache when fresh enough. Unknown ids are cached too (as empty). */
    public Optional<Product> find(UUID id) {
        return byId.get(id);
    }

    /** What the cache holds for the id: a running rehearsal's sale, else PostgreSQL's product. */
    private Optional<Product> cached(UUID id) {
        Product rehearsal = rehearsals.get(id);
        return rehearsal != null ? Optional.of(rehearsal) : load(id);
    }

    /**
     * Makes {@link #find} return the product, which is kept in memory only: a synthetic sale on
     * which the instance rehearses its request paths before it reports ready. It is never stored;
     * its orders are written in transactions that are rolled back ({@link #insertRehearsalRow}).
     * It is found through the same cache as a real sale, so that the code a real crowd runs is
     * the code the rehearsal compiled, with no branch that only the rehearsal takes.
     */
    public void rehearse(Product product) {
        rehearsed.put(product.id(), product);
        rehearsals.put(product.id(), product);
        byId.put(product.id(), Optional.of(product));
    }

    /**
     * The rehearsal sale is gone: {@link #find} no longer knows it, so no new request reaches it;
     * it stays a rehearsal sale for {@link #isRehearsal}, for the orders of requests already past it.
     */
    public void endRehearsal(UUID id) {
        rehearsals.remove(id);
        byId.invalidate(id);
    }

    /** Whether the product is a rehearsal sale of this instance, running or ended. */
    public boolean isRehearsal(UUID id) {
        return !rehearsed.isEmpty() && rehearsed.containsKey(id);
    }

    /**
     * Inserts a rehearsal sale's row in the caller's transaction, which must be rolled back: its
     * orders can then be written exactly as a real sale's are, and none of it is ever committed.
     */
    public void insertRehearsalRow(UUID id) {
        Product p = rehearsed.get(id);
        if (p == null) {
            throw new IllegalArgumentException("not a rehearsal sale: " + id);
        }
        insert(p.id(), p.name(), p.description(), p.price(), p.totalQuantity(), p.perUserLimit(), p.saleStartAt(),
                p.saleEndAt(), p.perAddressLimit(), p.gated(), p.powDifficulty(), p.holdFor(), p.shards());
    }

    /**
     * Another instance changed the product: reload its cached definition, if this instance holds one,
     * in the background. Until the reload completes (or if PostgreSQL cannot be reached) the cached
     * one keeps being served, as after {@code cache-ttl}.
     */
    public void refresh(UUID id) {
        if (byId.asMap().containsKey(id)) {
            byId.refresh(id);
        }
    }

    /** The product as PostgreSQL has it now. */
    public Optional<Product> load(UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM products WHERE id = ?")
                .param(id)
                .query(Catalog::product)
                .optional();
    }

    /** Locks the product's row until the surrounding transaction ends (key share stays possible). */
    public Optional<Product> lockForChange(UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM products WHERE id = ? FOR NO KEY UPDATE")
                .param(id)
                .query(Catalog::product)
                .optional();
    }

    /**
     * Runs {@code work} on the product as committed, in a transaction that holds a share lock on
     * its row until the work is done: no change of the product is under way meanwhile (a change
     * holds the row for update from before it moves the stock in Redis until it commits), and
     * none commits before the work ends. Its orders may still be written (they lock its key only);
     * its sold counter waits. Empty if there is no such product.
     */
    public <T> Optional<T> whileUnchanged(UUID id, Function<Product, T> work) {
        return transaction.execute(status -> jdbc.sql("SELECT " + COLUMNS + " FROM products WHERE id = ? FOR SHARE")
                .param(id)
                .query(Catalog::product)
                .optional()
                .map(work));
    }

    /** The most recently created product: the seed's clients discover their sale through it. */
    public Optional<Product> newest() {
        return jdbc.sql("SELECT " + COLUMNS + " FROM products ORDER BY created_at DESC, id DESC LIMIT 1")
                .query(Catalog::product)
                .optional();
    }

    /** Sales that are open now or open later, soonest first. */
    public List<Product> liveAndUpcoming(int limit, int offset) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM products WHERE sale_end_at > ? ORDER BY sale_start_at, id LIMIT ? OFFSET ?")
                .param(Timestamp.from(clock.instant()))
                .param(limit)
                .param(offset)
                .query(Catalog::product)
                .list();
    }

    /** Products whose sale is live, upcoming, or ended after the given moment. */
    public List<Product> endingAfter(Instant moment, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM products WHERE sale_end_at > ? ORDER BY sale_start_at, id LIMIT ?")
                .param(Timestamp.from(moment))
                .param(limit)
                .query(Catalog::product)
                .list();
    }

    /** Sales open at {@code now} or ended after {@code endedAfter}, the most recently opened first. */
    public List<Product> openOrEndedAfter(Instant now, Instant endedAfter, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM products WHERE sale_start_at <= ? AND sale_end_at > ?"
                        + " ORDER BY sale_start_at DESC, id LIMIT ?")
                .param(Timestamp.from(now))
                .param(Timestamp.from(endedAfter))
                .param(limit)
                .query(Catalog::product)
                .list();
    }

    /** Every product, newest first, a page at a time. */
    public List<Product> all(int limit, int offset) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM products ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?")
                .param(limit)
                .param(offset)
                .query(Catalog::product)
                .list();
    }

    public Product create(NewProduct p) {
        UUID id = IDS.generate();
        insert(id, p.name(), p.description(), p.price(), p.totalQuantity(), p.perUserLimit(), p.saleStartAt(),
                p.saleEndAt(), p.perAddressLimit(), p.gated(), p.powDifficulty(), p.holdFor(), p.shards());
        byId.invalidate(id);
        return load(id).orElseThrow();
    }

    private void insert(UUID id, String name, String description, BigDecimal price, int totalQuantity,
                        int perUserLimit, Instant saleStartAt, Instant saleEndAt, Integer perAddressLimit,
                        boolean gated, int powDifficulty, Duration holdFor, int shards) {
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.sql("""
                INSERT INTO products (id, name, description, price, total_quantity, per_user_limit,
                                      sale_start_at, sale_end_at, created_at, updated_at,
                                      per_address_limit, purchase_gated, pow_difficulty, hold_seconds, shards)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(id, name, description, price, totalQuantity, perUserLimit,
                        Timestamp.from(saleStartAt), Timestamp.from(saleEndAt), now, now,
                        perAddressLimit, gated, powDifficulty, seconds(holdFor), shards)
                .update();
    }

    /** Stores the product's new definition; the stock and sold quantity are not touched here. */
    public Product update(Product changed) {
        jdbc.sql("""
                UPDATE products SET name = ?, description = ?, price = ?, per_user_limit = ?,
                                    sale_start_at = ?, sale_end_at = ?, updated_at = ?,
                                    per_address_limit = ?, purchase_gated = ?, pow_difficulty = ?, hold_seconds = ?,
                                    shards = ?
                WHERE id = ?""")
                .params(changed.name(), changed.description(), changed.price(), changed.perUserLimit(),
                        Timestamp.from(changed.saleStartAt()), Timestamp.from(changed.saleEndAt()),
                        Timestamp.from(clock.instant()), changed.perAddressLimit(), changed.gated(),
                        changed.powDifficulty(), seconds(changed.holdFor()), changed.shards(), changed.id())
                .update();
        byId.invalidate(changed.id());
        return load(changed.id()).orElseThrow();
    }

    /** Sets the total stock. PostgreSQL refuses a total below a unit already sold. */
    public void changeTotalQuantity(UUID id, int totalQuantity) {
        jdbc.sql("UPDATE products SET total_quantity = ?, updated_at = ? WHERE id = ?")
                .params(totalQuantity, Timestamp.from(clock.instant()), id)
                .update();
        byId.invalidate(id);
    }

    /** Adds to the sold counter; the caller makes sure each order is counted once. */
    public void addSold(UUID id, int quantity) {
        jdbc.sql("UPDATE products SET sold_quantity = sold_quantity + ? WHERE id = ?")
                .params(quantity, id)
                .update();
    }

    /**
     * Locks the product's row until the transaction ends: counting deliveries that are in flight
     * (they hold it while they add to the counter) finish first, and later ones wait.
     */
    public void lockSold(UUID id) {
        jdbc.sql("SELECT id FROM products WHERE id = ? FOR UPDATE").param(id).query(UUID.class).optional();
    }

    /** Sets the sold counter (the reconciler's repair); returns how many rows changed (0 or 1). */
    public int correctSold(UUID id, int soldQuantity) {
        return jdbc.sql("UPDATE products SET sold_quantity = ? WHERE id = ? AND sold_quantity <> ?")
                .params(soldQuantity, id, soldQuantity)
                .update();
    }

    private static Product product(ResultSet rs, int row) throws SQLException {
        return new Product(
                rs.getObject("id", UUID.class),
                rs.getString("name"),
                rs.getString("description"),
                rs.getBigDecimal("price"),
                rs.getInt("total_quantity"),
                rs.getInt("sold_quantity"),
                rs.getInt("per_user_limit"),
                instant(rs, "sale_start_at"),
                instant(rs, "sale_end_at"),
                instant(rs, "created_at"),
                instant(rs, "updated_at"),
                rs.getObject("per_address_limit", Integer.class),
                rs.getBoolean("purchase_gated"),
                rs.getInt("pow_difficulty"),
                rs.getObject("hold_seconds") == null ? null : Duration.ofSeconds(rs.getInt("hold_seconds")),
                rs.getInt("shards"));
    }

    private static Integer seconds(Duration holdFor) {
        return holdFor == null ? null : Math.toIntExact(holdFor.toSeconds());
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getTimestamp(column).toInstant();
    }
}
