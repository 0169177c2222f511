package dev.flashsale.reconciliation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.counters.SoldCounter;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.inventory.RedisSaleState;
import dev.flashsale.inventory.Reservation;
import dev.flashsale.inventory.SaleShards;
import dev.flashsale.ordering.OrderStats;
import dev.flashsale.ordering.OrderQueries;
import dev.flashsale.outbox.Outbox;
import dev.flashsale.reconciliation.ProductAudit.Verdict;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Compares a product's Redis state with PostgreSQL and says which invariants hold. Read-only:
 * the reconciler repairs, the audit only reports. Used by the admin API, tests and load tests.
 *
 * <p>PostgreSQL is read in one snapshot (a read-only repeatable-read transaction): read table by
 * table, a sold-counter delivery committing in between could show {@code sold_quantity} from
 * before it and the outbox from after it — a lagging counter with no delivery pending, a false I5
 * alarm. Redis has no snapshot to share; its side is read alongside.
 */
@Service
public class Audit {

    /** Orders compared per chunk (their buyers are checked against Redis 1,000 per command). */
    private static final int CHUNK = 10_000;

    private final Catalog catalog;
    private final Inventory inventory;
    private final OrderQueries orders;
    private final SoldCounter soldCounter;
    private final Outbox outbox;
    private final ReconcilerProperties properties;

    Audit(Catalog catalog, Inventory inventory, OrderQueries orders, SoldCounter soldCounter,
          Outbox outbox, ReconcilerProperties properties) {
        this.catalog = catalog;
        this.inventory = inventory;
        this.orders = orders;
        this.soldCounter = soldCounter;
        this.outbox = outbox;
        this.properties = properties;
    }

    @Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
    public Optional<ProductAudit> of(UUID productId) {
        return catalog.load(productId).map(this::audit);
    }

    /** Every product whose sale is live, upcoming or ended within the look-back. */
    @Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
    public List<ProductAudit> active(Instant now) {
        return catalog.endingAfter(now.minus(properties.lookback()), 1_000).stream().map(this::audit).toList();
    }

    ProductAudit audit(Product product) {
        UUID id = product.id();
        Instant now = inventory.redisTime();
        // a split sale's shards, summed: pending marks of every shard (a loan's units are on the
        // shard that lent them, its user's place claimed on the user's home with none), and each
        // order awaiting payment counted once however many shards hold part of it
        SaleShards shards = SaleShards.of(product);
        List<RedisSaleState> states = inventory.states(product);
        RedisSaleState redis = summed(states, shards.split() ? inventory.holds(id).size() : states.getFirst().holds());
        OrderStats stats = orders.stats(id);
        long counted = soldCounter.countedQuantity(id);
        long outboxPending = outbox.pendingMentioning(id);

        Set<String> committedPending = new HashSet<>(orders.currentOrders(id,
                redis.pending().stream().map(Reservation::userId).toList()).keySet());
        List<ProductAudit.PendingReservation> pending = redis.pending().stream()
                .map(r -> new ProductAudit.PendingReservation(r.userId(), r.quantity(), r.units(),
                        Duration.between(r.reservedAt(), now).toMillis(), committedPending.contains(r.userId())))
                .toList();
        Mismatches mismatches = new Mismatches();
        if (redis.present()) {
            Set<Integer> free = inventory.freeUnits(id);
            orders.forEachSold(id, CHUNK, chunk -> {
                Map<Integer, List<String>> byHome = new LinkedHashMap<>();
                chunk.buyers().forEach(u -> byHome.computeIfAbsent(shards.home(u), h -> new ArrayList<>()).add(u));
                byHome.forEach((home, users) -> mismatches.buyersMissing +=
                        inventory.missingBuyers(shards.shard(home), users).size());
                mismatches.misplacedUnits += chunk.units().stream()
                        .filter(u -> free.contains(u) || u > states.get(shards.owner(u)).issued()).count();
            });
        }
        long buyersMissing = mismatches.buyersMissing;
        long misplaced = mismatches.misplacedUnits;
        ProductAudit.RedisSide redisSide = new ProductAudit.RedisSide(redis.present(), redis.stock(), redis.issued(),
                redis.freeUnits(), redis.buyers(), redis.holds(), buyersMissing, misplaced, pending);
        ProductAudit.DatabaseSide db = new ProductAudit.DatabaseSide(stats.completedOrders(), stats.completedQuantity(),
                stats.awaitingOrders(), stats.awaitingQuantity(), stats.distinctBuyers(), stats.units(),
                stats.distinctUnits(), stats.unitsOutOfRange(), stats.ordersAboveLimit(), product.soldQuantity(), counted,
                stats.refundedCompleted(), stats.completedUnpaid());

        Map<String, Verdict> verdicts = new LinkedHashMap<>();
        verdicts.put("I1", verdict(stats.takenQuantity() <= product.totalQuantity()
                        && stats.units() == stats.takenQuantity() && stats.distinctUnits() == stats.units()
                        && stats.unitsOutOfRange() == 0,
                "%d units in completed orders and %d awaiting payment, of %d; %d unit rows, %d distinct, %d out of range"
                        .formatted(stats.completedQuantity(), stats.awaitingQuantity(), product.totalQuantity(),
                                stats.units(), stats.distinctUnits(), stats.unitsOutOfRange())));
        verdicts.put("I2", verdict(stats.distinctBuyers() == stats.takenOrders() && stats.ordersAboveLimit() == 0,
                "%d completed orders and %d awaiting payment by %d users; %d above the limit of %d".formatted(
                        stats.completedOrders(), stats.awaitingOrders(), stats.distinctBuyers(),
                        stats.ordersAboveLimit(), product.perUserLimit())));
        long stale = pending.stream().filter(p -> p.ageMs() > properties.staleReservationAfter().toMillis()).count();
        verdicts.put("I4", verdict(stale == 0, "%d reservations pending, %d older than %s".formatted(
                pending.size(), stale, properties.staleReservationAfter())));
        int pendingUncommitted = pending.stream().filter(p -> !p.committed()).mapToInt(ProductAudit.PendingReservation::quantity).sum();
        long expectedStock = product.totalQuantity() - stats.takenQuantity() - pendingUncommitted;
        boolean counterConverged = product.soldQuantity() == stats.completedQuantity();
        boolean stockConverged = !redis.present() || redis.stock() == expectedStock;
        verdicts.put("I5", verdict(counterConverged && stockConverged,
                "sold_quantity %d vs %d completed (%d deliveries pending); Redis stock %s vs expected %d (after %d awaiting payment)".formatted(
                        product.soldQuantity(), stats.completedQuantity(), outboxPending,
                        redis.present() ? Integer.toString(redis.stock()) : "absent (rebuilt on use)", expectedStock,
                        stats.awaitingQuantity())));
        boolean holdsAgree = !redis.present() || redis.holds() == stats.awaitingOrders();
        verdicts.put("redis", verdict(buyersMissing == 0 && misplaced == 0 && holdsAgree,
                "%d buyers missing, %d committed units free or unissued in Redis; %s holds for %d orders awaiting payment"
                        .formatted(buyersMissing, misplaced, redis.present() ? Long.toString(redis.holds()) : "no",
                                stats.awaitingOrders())));
        verdicts.put("payments", verdict(stats.refundedCompleted() == 0 && stats.completedUnpaid() == 0,
                "%d completed orders whose payment was refused; %d of a payment window completed without one".formatted(
                        stats.refundedCompleted(), stats.completedUnpaid())));
        boolean all = verdicts.values().stream().allMatch(Verdict::holds);
        return new ProductAudit(id, product.name(), product.totalQuantity(), product.perUserLimit(), now, redisSide, db,
                outboxPending, verdicts, all);
    }

    /** The shards' states as one: present if all are, numbers summed, the highest issued mark. */
    private static RedisSaleState summed(List<RedisSaleState> states, long holds) {
        if (states.size() == 1) {
            return states.getFirst();
        }
        List<Reservation> pending = new ArrayList<>();
        states.forEach(s -> pending.addAll(s.pending()));
        return new RedisSaleState(states.stream().allMatch(RedisSaleState::present),
                states.stream().mapToInt(RedisSaleState::total).max().orElse(0),
                states.stream().mapToInt(RedisSaleState::stock).sum(),
                states.stream().mapToInt(RedisSaleState::issued).max().orElse(0),
                states.stream().mapToInt(RedisSaleState::freeUnits).sum(),
                states.stream().mapToLong(RedisSaleState::buyers).sum(), holds, List.copyOf(pending));
    }

    private static Verdict verdict(boolean holds, String detail) {
        return new Verdict(holds, detail);
    }

    /** Committed orders Redis disagrees with, counted a chunk at a time. */
    private static final class Mismatches {
        /** Buyers with an order holding units that Redis does not list. */
        long buyersMissing;
        /** Committed units that Redis has as free, or above the highest it issued. */
        long misplacedUnits;
    }
}
