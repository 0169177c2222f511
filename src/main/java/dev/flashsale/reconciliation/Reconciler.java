package dev.flashsale.reconciliation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.counters.SoldCounter;
import dev.flashsale.inventory.Inventory;
import dev.flashsale.inventory.RedisSaleState;
import dev.flashsale.inventory.ReleaseReason;
import dev.flashsale.inventory.RepairResult;
import dev.flashsale.inventory.Reservation;
import dev.flashsale.inventory.SaleShards;
import dev.flashsale.inventory.SaleShards.SaleShard;
import dev.flashsale.ordering.Order;
import dev.flashsale.ordering.OrderQueries;
import dev.flashsale.ordering.OrderStatus;
import dev.flashsale.ordering.SalesSummary;
import dev.flashsale.ScheduledJobs;
import io.micrometer.core.instrument.MeterRegistry;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockingTaskExecutor.TaskResult;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Service;

/**
 * Repairs drift between Redis and PostgreSQL, one pass at a time across all instances (a ShedLock
 * lock in PostgreSQL). Per product:
 * <ol>
 * <li>settles reservations pending longer than the bound: confirmed if PostgreSQL has the order
 *     (held, if the order awaits payment), released otherwise (the process died, or lost
 *     PostgreSQL, between reserve and commit);</li>
 * <li>settles the holds of orders that no longer await payment (paid, expired or cancelled by an
 *     instance that could not reach Redis, or died, before it settled the hold);</li>
 * <li>repairs what a Redis that lost writes gets wrong, safely under traffic: missing buyers,
 *     committed units it has as free, unit numbers it has not issued, and the stock from the units;</li>
 * <li>if the product is quiet and the stock still disagrees with the orders, rebuilds its Redis
 *     state from PostgreSQL (guarded: only if nothing happened meanwhile);</li>
 * <li>counts orders the sold counter missed (their event was lost), and aligns the counter with its ledger.</li>
 * </ol>
 * Every repair is logged (one line per product) and counted in {@code flashsale.reconciler.repairs}.
 *
 * <p>Steps 2 and 4 compare every committed order with Redis and the ledger: a query and a Redis
 * membership check per order, seconds of PostgreSQL CPU for a few hundred thousand orders, taken
 * from the sale that is running. A scheduled pass makes that full comparison for a product at most
 * every {@code full-check-every}, and when the product is flagged or a quick check disagrees; the
 * quick check reads PostgreSQL's counts and highest unit first, then Redis, and asks what those
 * can prove: a unit sold above Redis's issued mark, a sold unit among Redis's free ones, fewer
 * buyers in Redis than completed orders, a broken stock formula, more stock than the orders
 * leave (less is traffic, or units nobody holds: an undersell the next full comparison frees).
 * The admin endpoint's pass, and {@link #reconcile(Product)}, are always full.
 */
@Service
public class Reconciler implements SchedulingConfigurer {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    private static final String LOCK = "reconciler";
    private static final Duration SLOW_PASS = Duration.ofSeconds(1);
    /** Orders compared per chunk of a full comparison (their buyers are checked against Redis 1,000 per command). */
    private static final int COMPARE_CHUNK = 10_000;

    private final Catalog catalog;
    private final Inventory inventory;
    private final OrderQueries orders;
    private final SoldCounter soldCounter;
    private final LockingTaskExecutor locks;
    private final ReconcilerProperties properties;
    private final Clock clock;
    private final ScheduledJobs jobs;
    private final ReconcilerMeters meters;
    private final AtomicReference<ReconcileReport> last = new AtomicReference<>();
    /** When this instance last compared each product order by order, or first saw it. */
    private final Map<UUID, Instant> lastFullCheck = new ConcurrentHashMap<>();

    Reconciler(Catalog catalog, Inventory inventory, OrderQueries orders,
               SoldCounter soldCounter, LockingTaskExecutor locks, ReconcilerProperties properties, Clock clock,
               MeterRegistry meters, ScheduledJobs jobs) {
        this.catalog = catalog;
        this.jobs = jobs;
        this.inventory = inventory;
        this.orders = orders;
        this.soldCounter = soldCounter;
        this.locks = locks;
        this.properties = properties;
        this.clock = clock;
        this.meters = new ReconcilerMeters(meters);
    }

    /** A scheduled pass every {@code interval}, when switched on. */
    @Override
    public void configureTasks(ScheduledTaskRegistrar tasks) {
        jobs.fixedDelay(tasks, "reconciler", this::scheduled, properties.interval(), properties.interval());
    }

    void scheduled() {
        if (properties.enabled()) {
            pass(false);
        }
    }

    /** One full pass over every product whose sale is live, upcoming, recently ended, or flagged. */
    public ReconcileReport run() {
        return pass(true);
    }

    /** A pass; a scheduled one ({@code full} false) compares order by order only where needed. */
    ReconcileReport pass(boolean full) {
        Instant started = clock.instant();
        Checked checked = Checked.NOTHING;
        List<String> errors = new ArrayList<>();
        boolean ran = true;
        try {
            TaskResult<Checked> result = locks.executeWithLock(() -> checkAll(started, full),
                    new LockConfiguration(started, LOCK, properties.lockAtMostFor(), Duration.ZERO));
            ran = result.wasExecuted();
            if (ran) {
                checked = result.getResult();
            }
        } catch (Throwable e) {
            errors.add(e.toString());
            log.warn("reconciler pass failed: {}", e.toString());
        }
        errors.addAll(checked.errors());
        ReconcileReport report = new ReconcileReport(started, Duration.between(started, clock.instant()),
                ran, checked.products(), checked.fullChecks(), checked.repairs(), List.copyOf(errors));
        if (report.ran()) {
            last.set(report);
            meters.passTook(full, report.took(), report.fullChecks());
            if (report.fullChecks() > 0 || report.took().compareTo(SLOW_PASS) > 0) {
                log.info("reconciler pass took {} ms: {} products, {} compared order by order, {} repaired",
                        report.took().toMillis(), report.products(), report.fullChecks(), report.repairs().size());
            }
        }
        return report;
    }

    /** What a pass, holding the lock, looked at and changed. */
    private record Checked(int products, int fullChecks, List<ReconcileReport.Repair> repairs, List<String> errors) {

        static final Checked NOTHING = new Checked(0, 0, List.of(), List.of());
    }

    /** Every flagged product, then every product whose sale ends after the look-back, each reconciled. */
    private Checked checkAll(Instant started, boolean full) {
        Map<UUID, Product> products = new LinkedHashMap<>();
        Set<UUID> flagged = Set.copyOf(inventory.takeFlagged());
        for (UUID id : flagged) {
            catalog.load(id).ifPresent(p -> products.put(p.id(), p));
        }
        catalog.endingAfter(started.minus(properties.lookback()), 10_000).forEach(p -> products.putIfAbsent(p.id(), p));
        List<ReconcileReport.Repair> repairs = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int fullChecks = 0;
        for (Product product : products.values()) {
            try {
                ReconcileReport.Repair repair = reconcile(product,
                        full || flagged.contains(product.id()) || fullCheckDue(product.id(), started));
                fullChecks += repair.fullCheck() ? 1 : 0;
                if (repair.changedAnything()) {
                    repairs.add(repair);
                }
            } catch (RuntimeException e) {
                errors.add(product.id() + ": " + e);
                log.warn("reconciler could not check product={}: {}", product.id(), e.toString());
            }
        }
        lastFullCheck.keySet().retainAll(products.keySet());
        return new Checked(products.size(), fullChecks, List.copyOf(repairs), List.copyOf(errors));
    }

    /** The last pass this instance ran, if any. */
    public ReconcileReport lastReport() {
        return last.get();
    }

    /** When this instance last compared the product order by order (or first saw it), or null. */
    Instant lastFullCheck(UUID id) {
        return lastFullCheck.get(id);
    }

    /**
     * Whether a scheduled pass compares the product in full whatever the quick check says. A
     * product this instance has not seen before (a new sale, or every sale after a start) counts
     * from the moment it is first seen, dated back at random by up to half of
     * {@code full-check-every}: a new sale is not compared in full while it opens, and sales first
     * seen together fall due in different passes instead of adding their costs into one long
     * pass. Dating back only makes the first comparison come sooner.
     */
    private boolean fullCheckDue(UUID id, Instant now) {
        Instant last = lastFullCheck.computeIfAbsent(id, k -> {
            long spread = properties.fullCheckEvery().toMillis() / 2;
            return spread > 0 ? now.minusMillis(ThreadLocalRandom.current().nextLong(spread)) : now;
        });
        return !last.plus(properties.fullCheckEvery()).isAfter(now);
    }

    /** Reconciles one product now, fully (also without the lock: each step is safe on its own). */
    public ReconcileReport.Repair reconcile(Product product) {
        return reconcile(product, true);
    }

    /**
     * Settles the product's stale reservations, then, unless the quick check agrees (a scheduled
     * pass that is not due a full comparison), compares every committed order with Redis and
     * repairs what differs, and recounts the sold quantity.
     */
    private ReconcileReport.Repair reconcile(Product product, boolean full) {
        UUID id = product.id();
        SaleShards shards = SaleShards.of(product);
        List<RedisSaleState> states = inventory.states(product);
        Instant now = inventory.redisTime();
        Settled settled = new Settled(0, 0);
        for (RedisSaleState state : states) {
            settled = settled.plus(settleStale(id, state, now));
        }
        boolean present = states.stream().allMatch(RedisSaleState::present);
        int stock = states.stream().mapToInt(RedisSaleState::stock).sum();
        int holdsSettled = states.stream().anyMatch(s -> s.present() && s.holds() > 0) ? settleHolds(id) : 0;
        if (!present) {
            if (product.saleEndAt().isAfter(now)) {
                inventory.ensureReady(product);
            }
            return finish(ReconcileReport.Repair.of(id, settled.released(), settled.confirmed(), stock)
                    .withHoldsSettled(holdsSettled)
                    .withSoldCounted(full ? countSold(id) : 0, full));
        }
        if (!full && quickCheckAgrees(product, shards)) {
            return finish(ReconcileReport.Repair.of(id, settled.released(), settled.confirmed(), stock)
                    .withHoldsSettled(holdsSettled));
        }
        lastFullCheck.put(id, clock.instant());
        Compared compared = compareInFull(product, shards, states);
        return finish(ReconcileReport.Repair.of(id, settled.released(), settled.confirmed(), stock)
                .withHoldsSettled(holdsSettled)
                .withRedisRepair(compared.repaired())
                .withRebuilt(compared.rebuilt())
                .withSoldCounted(countSold(id), true));
    }

    /** Stale reservations released (no order committed) or confirmed (one did). */
    private record Settled(int released, int confirmed) {

        Settled plus(Settled other) {
            return new Settled(released + other.released, confirmed + other.confirmed);
        }
    }

    private Settled settleStale(UUID id, RedisSaleState state, Instant now) {
        List<Reservation> stale = state.pending().stream()
                .filter(r -> r.reservedAt().isBefore(now.minus(properties.staleReservationAfter())))
                .toList();
        if (stale.isEmpty()) {
            return new Settled(0, 0);
        }
        Map<String, Order> committed = orders.currentOrders(id, stale.stream().map(Reservation::userId).toList());
        int released = 0;
        int confirmed = 0;
        for (Reservation r : stale) {
            Order order = committed.get(r.userId());
            if (r.lent()) {
                // a loan of a split sale's shard: its units stay sold if an order holds them
                if (orders.unitsSold(id, Set.copyOf(r.units())) == 0) {
                    released += inventory.release(r, ReleaseReason.NOT_COMMITTED) ? 1 : 0;
                } else if (order != null && order.status() == OrderStatus.AWAITING_PAYMENT) {
                    inventory.hold(r, order.id());
                    confirmed++;
                } else {
                    confirmed += inventory.release(r, ReleaseReason.CONFIRMED) ? 1 : 0;
                }
            } else if (order == null) {
                released += inventory.release(r, ReleaseReason.NOT_COMMITTED) ? 1 : 0;
            } else if (order.status() == OrderStatus.AWAITING_PAYMENT) {
                inventory.hold(r, order.id());
                confirmed++;
            } else {
                confirmed += inventory.release(r, ReleaseReason.CONFIRMED) ? 1 : 0;
            }
        }
        return new Settled(released, confirmed);
    }

    /**
     * Settles the holds Redis keeps for orders PostgreSQL no longer has awaiting payment: the
     * instance that settled the order died, or lost Redis, before it settled the hold. A paid
     * order's hold goes; an expired or cancelled order's units go back. Exactly once, as
     * {@link Inventory#settleHolds} is.
     */
    private int settleHolds(UUID id) {
        Map<UUID, String> holds = inventory.holds(id);
        Map<UUID, OrderStatus> statuses = orders.statuses(holds.keySet());
        Map<UUID, String> paid = new LinkedHashMap<>();
        Map<UUID, String> ended = new LinkedHashMap<>();
        holds.forEach((order, user) -> {
            OrderStatus status = statuses.get(order);
            if (status == OrderStatus.COMPLETED) {
                paid.put(order, user);
            } else if (status != OrderStatus.AWAITING_PAYMENT) {
                ended.put(order, user);
            }
        });
        return inventory.settleHolds(id, paid, true) + inventory.settleHolds(id, ended, false);
    }

    /** What a full comparison repaired in Redis (null if nothing differed), and whether it rebuilt the sale. */
    private record Compared(@Nullable RepairResult repaired, boolean rebuilt) {
    }

    /** Sold units of one shard (the whole of an unsplit sale) as the committed orders hold them. */
    private static final class SoldUnits {
        final List<String> missingBuyers = new ArrayList<>();
        final List<Integer> suspects = new ArrayList<>();
        int quantity;
        int highestUnit;
    }

    /**
     * Compares every committed order with Redis, shard by shard (the whole sale for an unsplit
     * one): the buyers a shard is home to, the units of its range; repairs each shard that
     * disagrees, and rebuilds a quiet shard whose stock still disagrees with the orders.
     */
    private Compared compareInFull(Product product, SaleShards shards, List<RedisSaleState> states) {
        UUID id = product.id();
        List<SaleShard> all = shards.all();
        List<Set<Integer>> free = all.stream().map(inventory::freeUnits).toList();
        List<SoldUnits> sold = all.stream().map(s -> new SoldUnits()).toList();
        orders.forEachSold(id, COMPARE_CHUNK, chunk -> {
            if (shards.split()) {
                Map<Integer, List<String>> byHome = new LinkedHashMap<>();
                chunk.buyers().forEach(u -> byHome.computeIfAbsent(shards.home(u), h -> new ArrayList<>()).add(u));
                byHome.forEach((home, users) -> sold.get(home).missingBuyers.addAll(
                        inventory.missingBuyers(all.get(home), users)));
            } else {
                sold.getFirst().missingBuyers.addAll(inventory.missingBuyers(all.getFirst(), chunk.buyers()));
                sold.getFirst().quantity += chunk.quantity();
            }
            for (int unit : chunk.units()) {
                int owner = shards.owner(unit);
                SoldUnits shard = sold.get(owner);
                if (free.get(owner).contains(unit) || unit > states.get(owner).issued()) {
                    shard.suspects.add(unit);
                }
                shard.highestUnit = Math.max(shard.highestUnit, unit);
                if (shards.split()) {
                    shard.quantity++;
                }
            }
        });
        RepairResult repaired = null;
        boolean rebuilt = false;
        for (SaleShard shard : all) {
            RedisSaleState state = states.get(shard.index());
            SoldUnits units = sold.get(shard.index());
            boolean formulaBroken = state.stock() != state.total() - state.issued() + state.freeUnits();
            if (!units.missingBuyers.isEmpty() || !units.suspects.isEmpty() || units.highestUnit > state.issued()
                    || formulaBroken) {
                repaired = plus(repaired, inventory.repair(shard, units.highestUnit, units.missingBuyers, units.suspects));
            }
            RedisSaleState after = inventory.state(shard);
            if (quietStockDisagrees(shard, after, Math.max(0, shard.end() - shard.base() - units.quantity))) {
                rebuilt |= rebuildIfStillWrong(product, shards, shard);
            }
        }
        return new Compared(repaired, rebuilt);
    }

    /**
     * Rebuilds a quiet shard whose stock disagrees with the orders, once it has counted them again
     * and read Redis again: the orders were read before the state, seconds earlier for a large
     * sale, and orders committed meanwhile make a sale that just went quiet look wrong (a rebuild
     * reported after every busy sale would be a false "Redis lost writes" alarm).
     *
     * <p>It holds the product's row meanwhile ({@link Catalog#whileUnchanged}). A stock change
     * moves Redis's total before it commits its own; a rebuild from the total committed until then
     * would undo the change, and a raised stock would be refused as sold out. A product that
     * changed since the comparison read it is left to the next pass.
     */
    private boolean rebuildIfStillWrong(Product product, SaleShards shards, SaleShard shard) {
        UUID id = product.id();
        return catalog.whileUnchanged(id, current -> {
            if (current.totalQuantity() != product.totalQuantity() || current.shards() != product.shards()) {
                return false;
            }
            long committed = shards.split() ? unitsSold(id, shard) : orders.summary(id).quantity();
            RedisSaleState again = inventory.state(shard);
            return quietStockDisagrees(shard, again, (int) Math.max(0, shard.end() - shard.base() - committed))
                    && inventory.rebuildIfQuiet(product, shard, again.stock());
        }).orElse(false);
    }

    /** The committed units of one shard's range, counted again. */
    private long unitsSold(UUID id, SaleShard shard) {
        long[] units = {0};
        orders.forEachSold(id, COMPARE_CHUNK, chunk -> units[0] += chunk.units().stream().filter(shard::owns).count());
        return units[0];
    }

    private static @Nullable RepairResult plus(@Nullable RepairResult a, @Nullable RepairResult b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return new RepairResult(a.buyersRestored() + b.buyersRestored(), a.unitsReclaimed() + b.unitsReclaimed(),
                a.unitsFreed() + b.unitsFreed(), a.stockBefore() + b.stockBefore(), a.stockAfter() + b.stockAfter());
    }

    /** Units added to {@code sold_quantity} for orders the counter missed. */
    private int countSold(UUID id) {
        return soldCounter.repair(id, clock.instant().minus(properties.staleReservationAfter()));
    }

    private ReconcileReport.Repair finish(ReconcileReport.Repair repair) {
        if (repair.changedAnything()) {
            record(repair);
        }
        return repair;
    }

    private static boolean quietStockDisagrees(SaleShard shard, RedisSaleState redis, int expectedStock) {
        return redis.present() && redis.pending().isEmpty()
                && (redis.stock() != expectedStock || redis.total() != shard.end());
    }

    /**
     * Whether the cheap numbers show nothing to repair. PostgreSQL is read before Redis: whatever
     * was committed by then is in Redis afterwards unless Redis lost it (buyers of committed orders
     * are never removed, the issued mark only rises), so traffic in between can only make Redis
     * look ahead, never behind. A disagreement may still be traffic (a unit taken from the free
     * ones and committed meanwhile, a stock read mid-purchase); it only costs a full check.
     */
    private boolean quickCheckAgrees(Product product, SaleShards shards) {
        UUID id = product.id();
        SalesSummary sold = orders.summary(id);
        List<RedisSaleState> redis = inventory.states(product);
        long buyers = 0;
        int stock = 0;
        int freeUnits = 0;
        for (SaleShard shard : shards.all()) {
            RedisSaleState state = redis.get(shard.index());
            if (!state.present() || state.stock() != state.total() - state.issued() + state.freeUnits()
                    || state.total() != shard.end()) {
                return false;
            }
            buyers += state.buyers();
            stock += state.stock();
            freeUnits += state.freeUnits();
        }
        int expected = (int) Math.max(0, product.totalQuantity() - sold.quantity());
        // Without a loss Redis's stock is at most total - committed (pending reservations take
        // more); above it means Redis forgot units taken. Below it, under traffic, is normal.
        if ((sold.highestUnit() > 0 && sold.highestUnit() > redis.get(shards.owner(sold.highestUnit())).issued())
                || buyers < sold.orders() || stock > expected) {
            return false;
        }
        return freeUnits == 0 || orders.unitsSold(id, inventory.freeUnits(id)) == 0;
    }

    private void record(ReconcileReport.Repair r) {
        log.info("reconciler repaired product={} released={} confirmed={} holdsSettled={} buyersRestored={} "
                        + "unitsReclaimed={} unitsFreed={} stock={}->{} rebuilt={} soldCounted={}", r.productId(),
                r.released(), r.confirmed(), r.holdsSettled(), r.buyersRestored(), r.unitsReclaimed(), r.unitsFreed(),
                r.stockBefore(), r.stockAfter(), r.rebuilt(), r.soldCounted());
        meters.repaired("released", r.released());
        meters.repaired("confirmed", r.confirmed());
        meters.repaired("buyers_restored", r.buyersRestored());
        meters.repaired("units_reclaimed", r.unitsReclaimed());
        meters.repaired("units_freed", r.unitsFreed());
        meters.repaired("stock_corrected", r.stockBefore() != r.stockAfter() ? 1 : 0);
        meters.repaired("rebuilt", r.rebuilt() ? 1 : 0);
        meters.repaired("sold_counted", r.soldCounted());
        meters.repaired("holds_settled", r.holdsSettled());
    }
}
