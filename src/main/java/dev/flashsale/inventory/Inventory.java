package dev.flashsale.inventory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;
import dev.flashsale.inventory.SaleShards.SaleShard;
import dev.flashsale.catalog.SaleState;
import dev.flashsale.inventory.internal.HoldRecord;
import dev.flashsale.inventory.internal.LocalBuyers;
import dev.flashsale.inventory.internal.LocalStock;
import dev.flashsale.inventory.internal.RedisCalls;
import dev.flashsale.inventory.internal.SaleKeys;
import dev.flashsale.inventory.internal.SaleScripts;
import dev.flashsale.inventory.internal.WarmUp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Service;

/**
 * Live stock, buyers and reservations of each sale, in Redis.
 *
 * <p>Concurrency contract: every check-and-change is one Lua script, so any number of instances
 * and threads may call any method at once; nothing here locks. A product's Redis state that is
 * missing (flushed, restarted, evicted) is rebuilt from PostgreSQL before it is used. Every Redis
 * call goes through the "redis" circuit breaker ({@link RedisCalls}).
 */
@Service
public class Inventory {

    private static final Logger log = LoggerFactory.getLogger(Inventory.class);
    /** Products whose Redis state PostgreSQL contradicted; the reconciler looks at them first. */
    static final String FLAGGED = "fs:reconcile";
    private static final int CHUNK = 1_000;

    private final Counter reservationScripts;
    private final Counter borrowed;
    private final Counter notLent;
    private final StringRedisTemplate redis;
    private final RedisCalls calls;
    private final WarmUp warmUp;
    private final LocalStock local;
    private final LocalBuyers buyers;
    private final Clock clock;
    private final Catalog catalog;

    Inventory(StringRedisTemplate redis, RedisCalls calls, WarmUp warmUp, InventoryProperties properties, Clock clock,
              MeterRegistry meters, Catalog catalog) {
        this.catalog = catalog;
        this.reservationScripts = Counter.builder("flashsale.inventory.reservation.scripts")
                .description("reservation scripts sent to Redis (attempts that could not be answered from memory)")
                .register(meters);
        this.borrowed = Counter.builder("flashsale.inventory.loans")
                .description("purchases of a split sale whose home shard was short: lent by another shard, or not")
                .tag("outcome", "lent").register(meters);
        this.notLent = Counter.builder("flashsale.inventory.loans")
                .description("purchases of a split sale whose home shard was short: lent by another shard, or not")
                .tag("outcome", "none").register(meters);
        this.redis = redis;
        this.calls = calls;
        this.warmUp = warmUp;
        this.local = new LocalStock(properties.localStockTtl());
        this.buyers = new LocalBuyers(properties.localStockTtl().multipliedBy(10));
        this.clock = clock;
    }

    /**
     * Checks the window (Redis clock), the per-user limit and the stock; if all pass, takes the
     * units, records the buyer and a pending reservation. One round trip.
     */
    public ReserveResult reserve(Product product, String userId, int quantity) {
        return reserve(product, userId, quantity, "", null, null);
    }

    /**
     * As {@link #reserve(Product, String, int)}, also through the sale's bot controls, in the same
     * script: the units are counted against the client address's cap, and a gated sale spends the
     * purchase token (which must have been issued to this user).
     *
     * @param address       the client address, or null if unknown (then it is not counted)
     * @param purchaseToken the token offered, or null
     */
    public ReserveResult reserve(Product product, String userId, int quantity, String address, String purchaseToken) {
        return reserve(product, userId, quantity, "", address, purchaseToken);
    }

    /** As {@link #reserve(Product, String, int)}, at a given moment instead of the Redis clock. */
    ReserveResult reserveAt(Product product, String userId, int quantity, Instant now) {
        return reserve(product, userId, quantity, Long.toString(now.toEpochMilli()), null, null);
    }

    private ReserveResult reserve(Product product, String userId, int quantity, String nowMs, String address,
                                  String purchaseToken) {
        if (nowMs.isEmpty()) {
            ReserveOutcome known = knownRejection(product, userId, quantity).orElse(null);
            if (known != null) {
                return ReserveResult.Refused.of(known);
            }
        }
        if (product.shards() > 1) {
            return reserveSplit(product, userId, quantity, nowMs);
        }
        long generation = local.generation(product.id());
        long buyersGeneration = buyers.generation();
        SaleShard whole = SaleShard.whole(product.id(), product.totalQuantity());
        SaleKeys keys = SaleKeys.of(product.id());
        List<?> reply = reserveScript(product, keys, userId, quantity, nowMs, address, purchaseToken);
        if ("MISSING".equals(reply.getFirst())) {
            warmUp.ensure(product);
            reply = reserveScript(product, keys, userId, quantity, nowMs, address, purchaseToken);
        }
        String outcome = (String) reply.getFirst();
        return switch (outcome) {
            case "RESERVED" -> {
                local.saw(product.id(), number(reply.get(1)), generation);
                yield reserved(reservation(whole, userId, (String) reply.get(2)),
                        number(reply.get(1)));
            }
            case "SOLD_OUT" -> {
                local.saw(product.id(), 0, generation);
                yield ReserveResult.Refused.of(ReserveOutcome.SOLD_OUT);
            }
            case "ALREADY_PURCHASED" -> {
                buyers.reported(product.id(), userId, buyersGeneration);
                yield ReserveResult.Refused.of(ReserveOutcome.ALREADY_PURCHASED);
            }
            case "INSUFFICIENT_STOCK" -> {
                local.saw(product.id(), number(reply.get(1)), generation);
                yield new ReserveResult.InsufficientStock(number(reply.get(1)));
            }
            case "LIMIT_EXCEEDED" -> new ReserveResult.OverLimit(ReserveOutcome.LIMIT_EXCEEDED, number(reply.get(1)));
            case "ADDRESS_LIMIT_REACHED" ->
                    new ReserveResult.OverLimit(ReserveOutcome.ADDRESS_LIMIT_REACHED, number(reply.get(1)));
            case "MISSING" -> throw new IllegalStateException("sale state of " + product.id() + " vanished during warm-up");
            default -> ReserveResult.Refused.of(ReserveOutcome.valueOf(outcome));
        };
    }

    /**
     * A split sale (decision 0030): the user's home shard checks the window, the limit and the
     * user's place, and takes the units if it has them. If it has too few it claims the user's
     * place (the user is a buyer there, pending) and the other shards are asked in turn, from a
     * random one, to lend the units; the first that has them lends them, and the reservation is
     * the claim plus the loan. If none has them, the claim is given back. So a purchase hears
     * "sold out" only when each shard had fewer units than it asked for at the moment it asked.
     */
    private ReserveResult reserveSplit(Product product, String userId, int quantity, String nowMs) {
        long generation = local.generation(product.id());
        long buyersGeneration = buyers.generation();
        SaleShards shards = SaleShards.of(product);
        SaleShard home = shards.shard(shards.home(userId));
        List<?> reply = runSplitReserve(SaleKeys.of(home), userId, quantity, nowMs);
        if ("MISSING".equals(reply.getFirst())) {
            warmUp.ensure(product);
            reply = runSplitReserve(SaleKeys.of(home), userId, quantity, nowMs);
        }
        String outcome = (String) reply.getFirst();
        return switch (outcome) {
            case "RESERVED" -> reserved(reservation(home, userId, (String) reply.get(2)),
                    number(reply.get(1)));
            case "CLAIMED" -> borrow(product, shards, reservation(home, userId, (String) reply.get(2)), quantity,
                    number(reply.get(1)), nowMs, generation);
            case "ALREADY_PURCHASED" -> {
                buyers.reported(product.id(), userId, buyersGeneration);
                yield ReserveResult.Refused.of(ReserveOutcome.ALREADY_PURCHASED);
            }
            case "LIMIT_EXCEEDED" -> new ReserveResult.OverLimit(ReserveOutcome.LIMIT_EXCEEDED, number(reply.get(1)));
            case "MISSING" -> throw new IllegalStateException("sale state of " + product.id() + " vanished during warm-up");
            default -> ReserveResult.Refused.of(ReserveOutcome.valueOf(outcome));
        };
    }

    /**
     * The units of a claimed place, lent by another shard of the sale, or the place given back. A
     * shard that does not answer is passed over for the next; if none lent and one did not
     * answer, the purchase fails as a Redis failure does (the claim given back).
     */
    private ReserveResult borrow(Product product, SaleShards shards, Reservation claim, int quantity, int homeStock,
                                 String nowMs, long generation) {
        int most = homeStock;
        boolean pendingLoan = false;
        RuntimeException unanswered = null;
        int others = shards.count() - 1;
        int first = ThreadLocalRandom.current().nextInt(others);
        for (int k = 0; k < others; k++) {
            SaleShard donor = shards.shard((claim.shard().index() + 1 + (first + k) % others) % shards.count());
            List<?> lent;
            try {
                lent = runLend(SaleKeys.of(donor), claim.userId(), quantity, nowMs);
                if ("MISSING".equals(lent.getFirst())) {
                    warmUp.ensure(product);
                    lent = runLend(SaleKeys.of(donor), claim.userId(), quantity, nowMs);
                }
            } catch (RuntimeException e) {
                // if the script ran before the answer was lost, its loan is settled by the reconciler
                unanswered = unanswered == null ? e : unanswered;
                continue;
            }
            switch ((String) lent.getFirst()) {
                case "LENT" -> {
                    borrowed.increment();
                    Reservation loan = reservation(donor, claim.userId(), (String) lent.get(2));
                    return reserved(new Reservation(claim.productId(), claim.userId(),
                            loan.quantity(), loan.units(), claim.reservedAt(), claim.pending(), claim.shard(), loan),
                            number(lent.get(1)));
                }
                case "SHORT" -> most = Math.max(most, number(lent.get(1)));
                case "BUSY" -> {
                    // a loan to this user is pending there: an attempt in flight, or one whose
                    // instance died, until the reconciler settles it
                    most = Math.max(most, number(lent.get(1)));
                    pendingLoan |= number(lent.get(1)) >= quantity;
                }
                default -> {
                    // MISSING again: the shard's state is being rebuilt
                }
            }
        }
        giveBack(claim);
        if (unanswered != null) {
            throw unanswered;
        }
        notLent.increment();
        if (pendingLoan) {
            // as for an unsplit sale, a user with a reservation pending is a buyer until it is settled
            return ReserveResult.Refused.of(ReserveOutcome.ALREADY_PURCHASED);
        }
        if (most <= 0) {
            local.saw(product.id(), 0, generation);
            return ReserveResult.Refused.of(ReserveOutcome.SOLD_OUT);
        }
        return new ReserveResult.InsufficientStock(most);
    }

    /** A reservation to write an order with: its units number exactly its quantity, or nothing is sold. */
    private static ReserveResult reserved(Reservation reservation, int stockLeft) {
        if (reservation.units().size() != reservation.quantity()) {
            throw new IllegalStateException(reservation.quantity() + " units reserved but " + reservation.units().size()
                    + " numbered: " + reservation.pending());
        }
        return new ReserveResult.Reserved(reservation, stockLeft);
    }

    /** Gives a claimed place back; if Redis does not answer, the reconciler releases the stale claim. */
    private void giveBack(Reservation claim) {
        try {
            runRelease(claim, ReleaseReason.NOT_COMMITTED);
        } catch (RuntimeException e) {
            log.warn("claim not given back product={} user={}: {}", claim.productId(), claim.userId(), e.toString());
        }
    }

    private List<?> runSplitReserve(SaleKeys keys, String userId, int quantity, String nowMs) {
        reservationScripts.increment();
        return calls.call(() -> redis.execute(SaleScripts.RESERVE, keys.all(), userId, Integer.toString(quantity), nowMs,
                "", "1"));
    }

    private List<?> runLend(SaleKeys keys, String userId, int quantity, String nowMs) {
        reservationScripts.increment();
        return calls.call(() -> redis.execute(SaleScripts.LEND,
                List.of(keys.sale(), keys.stock(), keys.pending(), keys.free()), userId, Integer.toString(quantity),
                nowMs));
    }

    private List<?> runReserve(SaleKeys keys, String userId, int quantity, String nowMs) {
        reservationScripts.increment();
        return calls.call(() -> redis.execute(SaleScripts.RESERVE, keys.all(), userId, Integer.toString(quantity), nowMs));
    }

    private List<?> reserveScript(Product product, SaleKeys keys, String userId, int quantity, String nowMs,
                                  String address, String purchaseToken) {
        // an ordinary sale calls the script exactly as before: five keys, three arguments
        return product.controlled()
                ? runControlledReserve(keys, userId, quantity, nowMs, address, purchaseToken)
                : runReserve(keys, userId, quantity, nowMs);
    }

    /** The reservation script of a sale with bot controls: the address counts, and a gated sale spends the token. */
    private List<?> runControlledReserve(SaleKeys keys, String userId, int quantity, String nowMs, String address,
                                         String purchaseToken) {
        reservationScripts.increment();
        List<String> scriptKeys = new ArrayList<>(keys.all());
        scriptKeys.add(keys.addresses());
        if (purchaseToken != null) {
            scriptKeys.add(keys.token(purchaseToken));
        }
        return calls.call(() -> redis.execute(SaleScripts.RESERVE, scriptKeys, userId, Integer.toString(quantity), nowMs,
                address == null ? "" : address));
    }

    /**
     * The answer Redis would give, if this instance already knows it: the user bought the product,
     * or the product was seen sold out less than a local-stock TTL ago. Only while the sale is
     * open by this instance's clock (the window is Redis's to judge at its edges) and for a
     * quantity within the limit (the script checks the limit first).
     */
    public Optional<ReserveOutcome> knownRejection(Product product, String userId, int quantity) {
        if (quantity > product.perUserLimit() || product.stateAt(clock.instant()) != SaleState.ACTIVE) {
            return Optional.empty();
        }
        if (buyers.known(product.id(), userId)) {
            return Optional.of(ReserveOutcome.ALREADY_PURCHASED);
        }
        return local.soldOut(product.id()) ? Optional.of(ReserveOutcome.SOLD_OUT) : Optional.empty();
    }

    /** The order committed: the reservation is no longer pending, and the user is a buyer for good. */
    public void confirm(Reservation reservation) {
        buyers.committed(reservation.productId(), reservation.userId());
        release(reservation, ReleaseReason.CONFIRMED);
    }

    /**
     * {@link #confirm} for the reservations of orders committed together: one script per sale (or
     * shard of a split sale) drops their pending marks. A reservation with a loan is confirmed on
     * its own. Every sale is tried; the first failure is thrown after the others.
     */
    public void confirm(Collection<Reservation> reservations) {
        Map<SaleKeys, List<Reservation>> bySale = new LinkedHashMap<>();
        RuntimeException failed = null;
        for (Reservation reservation : reservations) {
            if (reservation.loan() != null) {
                try {
                    confirm(reservation);
                } catch (RuntimeException e) {
                    failed = failed == null ? e : failed;
                }
                continue;
            }
            buyers.committed(reservation.productId(), reservation.userId());
            bySale.computeIfAbsent(SaleKeys.of(reservation.shard()), keys -> new ArrayList<>()).add(reservation);
        }
        for (Map.Entry<SaleKeys, List<Reservation>> sale : bySale.entrySet()) {
            SaleKeys keys = sale.getKey();
            Object[] marks = new Object[sale.getValue().size() * 2];
            int i = 0;
            for (Reservation reservation : sale.getValue()) {
                marks[i++] = reservation.userId();
                marks[i++] = reservation.pending();
            }
            try {
                calls.call(() -> redis.execute(SaleScripts.CONFIRM, List.of(keys.buyers(), keys.pending()), marks));
            } catch (RuntimeException e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * The order of this reservation committed awaiting payment: the reservation becomes a hold of
     * that order (its units and the user's place stay taken until {@link #settleHold}).
     */
    public void hold(Reservation reservation, UUID orderId) {
        Reservation loan = reservation.loan();
        if (!reservation.lent()) {
            buyers.committed(reservation.productId(), reservation.userId());
        }
        // a split sale's hold of lent units: the home shard holds the user's place, the lender the units
        runHold(reservation, orderId, loan == null ? reservation.quantity() : 0,
                loan == null ? reservation.units() : List.of());
        if (loan != null) {
            runHold(loan, orderId, loan.quantity(), loan.units());
        }
    }

    private void runHold(Reservation r, UUID orderId, int quantity, List<Integer> units) {
        SaleKeys keys = SaleKeys.of(r.shard());
        calls.call(() -> redis.execute(SaleScripts.HOLD, List.of(keys.buyers(), keys.pending(), keys.holds()),
                r.userId(), r.pending(), orderId.toString(), HoldRecord.of(r.userId(), quantity, units, r.address()),
                r.lent() ? "LENT" : ""));
    }

    /**
     * Settles the hold of an order that PostgreSQL has settled: paid (the units stay sold, only the
     * hold goes), or expired or cancelled ({@code paid} false: the units go back to the sale and the
     * user may buy again). Exactly once per order: a second call finds no hold and changes nothing.
     *
     * @return whether this call settled the hold
     */
    public boolean settleHold(UUID productId, UUID orderId, String userId, boolean paid) {
        return settleHolds(productId, Map.of(orderId, userId), paid) == 1;
    }

    /**
     * {@link #settleHold} for several orders of one product, in one script (one round trip).
     *
     * @param orders the orders' ids, with their users
     * @return how many holds this call settled
     */
    public int settleHolds(UUID productId, Map<UUID, String> orders, boolean paid) {
        if (orders.isEmpty()) {
            return 0;
        }
        try {
            return settleHoldsInRedis(productId, orders, paid);
        } finally {
            if (!paid) {
                // once Redis has the units and places back, so that no answer read before is kept
                local.forget(productId);
                orders.values().forEach(user -> buyers.forget(productId, user));
            }
        }
    }

    private int settleHoldsInRedis(UUID productId, Map<UUID, String> orders, boolean paid) {
        SaleShards shards = shardsOf(productId);
        if (!shards.split()) {
            return runSettleHolds(SaleKeys.of(productId), orders.keySet(), paid);
        }
        // a split sale: each order's hold on its user's home shard counts; a shard that lent the
        // units holds them under the same order id
        int settled = 0;
        for (SaleShard shard : shards.all()) {
            List<UUID> home = new ArrayList<>();
            List<UUID> others = new ArrayList<>();
            orders.forEach((order, user) -> (shards.home(user) == shard.index() ? home : others).add(order));
            settled += runSettleHolds(SaleKeys.of(shard), home, paid);
            runSettleHolds(SaleKeys.of(shard), others, paid);
        }
        return settled;
    }

    private int runSettleHolds(SaleKeys keys, Collection<UUID> orders, boolean paid) {
        if (orders.isEmpty()) {
            return 0;
        }
        List<String> args = new ArrayList<>(orders.size() + 1);
        args.add(paid ? "PAID" : "RELEASE");
        orders.forEach(id -> args.add(id.toString()));
        Long settled = calls.call(() -> redis.execute(SaleScripts.SETTLE_HOLD,
                List.of(keys.stock(), keys.buyers(), keys.holds(), keys.free(), keys.addresses()), args.toArray()));
        return settled == null ? 0 : settled.intValue();
    }

    /** The orders Redis holds units for (awaiting payment as far as Redis knows), with their users. */
    public Map<UUID, String> holds(UUID productId) {
        Map<UUID, String> result = new LinkedHashMap<>();
        for (SaleShard shard : shardsOf(productId).all()) {
            Map<Object, Object> holds = calls.call(() -> redis.opsForHash().entries(SaleKeys.of(shard).holds()));
            holds.forEach((order, hold) -> result.put(UUID.fromString(order.toString()), HoldRecord.user(hold.toString())));
        }
        return result;
    }

    /**
     * Settles a pending reservation: undoes it (its order did not commit) or, with
     * {@link ReleaseReason#CONFIRMED}, only drops its pending mark. Idempotent, and a no-op if that
     * exact reservation is no longer pending (already settled, or lost with a Redis restart).
     *
     * @return whether this call settled it
     */
    public boolean release(Reservation reservation, ReleaseReason reason) {
        try {
            return releaseInRedis(reservation, reason);
        } finally {
            // once Redis has the units (and the user's place) back, so that no answer read before is kept
            if (reason != ReleaseReason.CONFIRMED) {
                local.forget(reservation.productId());
            }
            if (reason == ReleaseReason.NOT_COMMITTED || reason == ReleaseReason.UNITS_TAKEN) {
                buyers.forget(reservation.productId(), reservation.userId());
            }
        }
    }

    private boolean releaseInRedis(Reservation reservation, ReleaseReason reason) {
        if (reservation.loan() == null) {
            return runRelease(reservation, reason);
        }
        // both, even if one shard does not answer: what is left pending, the reconciler settles
        boolean released;
        try {
            released = runRelease(reservation, reason);
        } catch (RuntimeException e) {
            runRelease(reservation.loan(), reason);
            throw e;
        }
        runRelease(reservation.loan(), reason);
        return released;
    }

    private boolean runRelease(Reservation r, ReleaseReason reason) {
        SaleKeys keys = SaleKeys.of(r.shard());
        // a loan: the units come back to the shard that lent them, or stay sold (its order
        // committed, or they belong to another order); the user's place is not on that shard
        String mode = !r.lent() ? reason.scriptMode
                : reason == ReleaseReason.CONFIRMED || reason == ReleaseReason.UNITS_TAKEN ? "DISCARD_UNITS" : "RESTORE";
        Long released = calls.call(() -> redis.execute(SaleScripts.RELEASE,
                List.of(keys.stock(), keys.buyers(), keys.pending(), keys.free(), keys.addresses()),
                r.userId(), r.pending(), mode));
        return released != null && released == 1L;
    }

    /** Units a product has left, live (as seen by this instance at most a local-stock TTL ago). */
    public int available(Product product) {
        Integer fresh = local.fresh(product.id());
        if (fresh != null) {
            return fresh;
        }
        long generation = local.generation(product.id());
        Integer stock = stocks(List.of(product)).getFirst();
        if (stock == null) {
            warmUp.ensure(product);
            stock = stocks(List.of(product)).getFirst();
        }
        int available = stock == null ? 0 : stock;
        local.saw(product.id(), available, generation);
        return available;
    }

    /** Units left for several products, read in one round trip. */
    public Map<UUID, Integer> available(List<Product> products) {
        long[] generations = products.stream().mapToLong(p -> local.generation(p.id())).toArray();
        List<Integer> stocks = stocks(products);
        Map<UUID, Integer> result = new LinkedHashMap<>();
        for (int i = 0; i < products.size(); i++) {
            Integer stock = stocks.get(i);
            Product p = products.get(i);
            if (stock == null) {
                result.put(p.id(), available(p));
            } else {
                local.saw(p.id(), stock, generations[i]);
                result.put(p.id(), stock);
            }
        }
        return result;
    }

    /**
     * The stock Redis holds for each product, in one round trip; a product without
     * state in Redis is left out. Reads only: no warm-up, and this instance's view is not updated.
     */
    Map<UUID, Integer> stockInRedis(List<Product> products) {
        List<Integer> stocks = stocks(products);
        Map<UUID, Integer> result = new LinkedHashMap<>();
        for (int i = 0; i < products.size(); i++) {
            if (stocks.get(i) != null) {
                result.put(products.get(i).id(), stocks.get(i));
            }
        }
        return result;
    }

    /**
     * The products' stock, read in one round trip (MGET) on the shared connection: of a split sale,
     * the sum over its shards. Null where Redis has no state (of a split sale: no state for one of
     * its shards). Not a pipeline: Spring Data Redis runs a pipeline on a dedicated connection from
     * the pool, and a crowd of status reads and new streams would queue for the pool's connections.
     */
    private List<Integer> stocks(List<Product> products) {
        List<String> keys = new ArrayList<>();
        for (Product p : products) {
            for (SaleShard shard : SaleShards.of(p).all()) {
                keys.add(SaleKeys.of(shard).stock());
            }
        }
        List<String> read = calls.call(() -> redis.opsForValue().multiGet(keys));
        List<Integer> stocks = new ArrayList<>(products.size());
        int next = 0;
        for (Product p : products) {
            Integer sum = 0;
            for (int i = 0; i < p.shards(); i++) {
                String stock = read.get(next++);
                sum = sum == null || stock == null ? null : sum + Integer.parseInt(stock);
            }
            stocks.add(sum);
        }
        return stocks;
    }

    /** Installs the product's sale state from PostgreSQL if Redis has none. */
    public void ensureReady(Product product) {
        warmUp.ensure(product);
    }

    /**
     * Pushes a changed window, per-user limit or bot control to Redis (if the sale's state is there).
     * A per-address cap switched on counts the units reserved from then on; the next warm-up or
     * rebuild counts the committed orders too.
     */
    public void define(Product product) {
        for (SaleShard shard : SaleShards.of(product).all()) {
            calls.call(() -> redis.execute(SaleScripts.DEFINE_SALE, List.of(SaleKeys.of(shard).sale()),
                    Long.toString(product.saleStartAt().toEpochMilli()),
                    Long.toString(product.saleEndAt().toEpochMilli()),
                    Integer.toString(product.perUserLimit()),
                    product.perAddressLimit() == null ? "" : product.perAddressLimit().toString(),
                    product.gated() ? "1" : "0"));
        }
    }

    /**
     * Tells every instance, this one included, that the product's definition or stock changed: each
     * forgets the stock it last saw and reloads the definition it cached ({@link SaleChanges}). Call
     * it once the change is committed. Best effort: if Redis cannot take the message, the instances
     * see the change when their memory of it expires ({@code local-stock-ttl}, the catalog's
     * {@code cache-ttl}).
     */
    public void announceChange(UUID productId) {
        try {
            calls.call(() -> redis.convertAndSend(SaleChanges.CHANNEL, productId.toString()));
        } catch (RuntimeException notSent) {
            log.warn("sale change not announced to the other instances product={}: {}", productId, notSent.toString());
        }
    }

    /**
     * Deletes the sale's state from Redis and this instance's memory of its stock: for a rehearsal
     * sale, which was never stored anywhere else. A real sale's state would only be rebuilt.
     */
    public void discard(UUID productId) {
        SaleKeys keys = SaleKeys.of(productId);
        calls.call(() -> redis.delete(List.of(keys.sale(), keys.stock(), keys.buyers(), keys.pending(), keys.free(),
                keys.addresses(), keys.holds())));
        local.forget(productId);
    }

    /**
     * Deletes a split sale's state from Redis, all shards, so that the next use installs it from
     * PostgreSQL: for a sale whose split or total changed before anything could be sold.
     */
    public void discard(SaleShards shards) {
        for (SaleShard shard : shards.all()) {
            SaleKeys keys = SaleKeys.of(shard);
            calls.call(() -> redis.delete(List.of(keys.sale(), keys.stock(), keys.buyers(), keys.pending(), keys.free(),
                    keys.addresses(), keys.holds())));
        }
        local.forget(shards.productId());
    }

    /** What this instance remembers of the product's stock is out of date. */
    void forgetLocally(UUID productId) {
        local.forget(productId);
    }

    /**
     * Changes the total stock in Redis, moving the live stock by the difference, atomically.
     * Raising always succeeds; lowering is refused below the units sold or reserved.
     */
    public StockChange changeTotal(Product product, int newTotal) {
        local.forget(product.id());
        if (product.shards() > 1) {
            throw new IllegalArgumentException("a split sale's total moves its shards' ranges: see relayout");
        }
        warmUp.ensure(product);
        SaleKeys keys = SaleKeys.of(product.id());
        List<?> reply = calls.call(() -> redis.execute(SaleScripts.CHANGE_STOCK,
                List.of(keys.sale(), keys.stock(), keys.free()), Integer.toString(newTotal)));
        return switch ((String) reply.getFirst()) {
            case "CHANGED" -> new StockChange(StockChange.Outcome.CHANGED, number(reply.get(2)), number(reply.get(1)));
            case "BELOW_SOLD" -> new StockChange(StockChange.Outcome.BELOW_SOLD, number(reply.get(1)), -1);
            case "UNITS_IN_USE" -> new StockChange(StockChange.Outcome.UNITS_IN_USE, number(reply.get(1)), -1);
            default -> throw new IllegalStateException("sale state of " + product.id() + " is missing");
        };
    }

    /**
     * Whether no unit of the sale is taken: none reserved, held or sold, so its shards' ranges may
     * move (a new split, or a split sale's new total; see {@link #relayout}).
     */
    public boolean untouched(Product product) {
        warmUp.ensure(product);
        List<RedisSaleState> shards = states(product);
        return shards.stream().mapToInt(RedisSaleState::stock).sum() == product.totalQuantity()
                && shards.stream().allMatch(s -> s.present() && s.pending().isEmpty() && s.holds() == 0);
    }

    /**
     * Installs the sale's state anew from PostgreSQL after its split, or a split sale's total,
     * changed while nothing was taken ({@link #untouched}): the old shards' keys go, and the new
     * ones are installed.
     */
    public void relayout(Product before, Product after) {
        discard(SaleShards.of(before));
        warmUp.ensure(after);
    }

    // --- for the audit and the reconciler ---------------------------------------------------

    /** The Redis clock, which judges reservations' ages as it judges sale windows. */
    public Instant redisTime() {
        Long ms = calls.call(() -> redis.execute(c -> c.serverCommands().time(), true));
        return Instant.ofEpochMilli(ms);
    }

    /** The product's state in Redis, read atomically (one script); of a split sale, its first shard's. */
    public RedisSaleState state(UUID productId) {
        return state(shardsOf(productId).shard(0));
    }

    /** The state of each shard of the sale in Redis (one for an unsplit sale), each read atomically. */
    public List<RedisSaleState> states(Product product) {
        return SaleShards.of(product).all().stream().map(this::state).toList();
    }

    /** The state of one shard of a sale in Redis, read atomically (one script). */
    public RedisSaleState state(SaleShard shard) {
        UUID productId = shard.productId();
        SaleKeys keys = SaleKeys.of(shard);
        // one script, so the numbers come from one moment (a pipeline let purchases run between
        // its reads, and under load the stock formula looked broken to the reconciler)
        List<?> reply = calls.call(() -> redis.execute(SaleScripts.STATE,
                List.of(keys.sale(), keys.stock(), keys.free(), keys.buyers(), keys.pending(), keys.holds())));
        if (reply == null || reply.isEmpty()) {
            return new RedisSaleState(false, 0, 0, 0, 0, 0, 0, List.of());
        }
        List<Reservation> pending = new ArrayList<>();
        for (int i = 6; i + 1 < reply.size(); i += 2) {
            pending.add(reservation(shard, reply.get(i).toString(), reply.get(i + 1).toString()));
        }
        return new RedisSaleState(true, Integer.parseInt(reply.get(0).toString()),
                Integer.parseInt(reply.get(2).toString()), Integer.parseInt(reply.get(1).toString()),
                number(reply.get(3)), ((Number) reply.get(4)).longValue(), ((Number) reply.get(5)).longValue(), pending);
    }

    /** Of the given users, those Redis does not have as buyers. */
    public List<String> missingBuyers(UUID productId, List<String> users) {
        return missingBuyers(SaleShard.whole(productId, 0), users);
    }

    /** Of the given users, those the shard does not have as buyers. */
    public List<String> missingBuyers(SaleShard shard, List<String> users) {
        String key = SaleKeys.of(shard).buyers();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < users.size(); i += CHUNK) {
            List<String> chunk = users.subList(i, Math.min(i + CHUNK, users.size()));
            Map<Object, Boolean> members = calls.call(() -> redis.opsForSet().isMember(key, chunk.toArray()));
            chunk.stream().filter(u -> !Boolean.TRUE.equals(members.get(u))).forEach(missing::add);
        }
        return missing;
    }

    /** Released unit numbers waiting to be handed out again. */
    public Set<Integer> freeUnits(UUID productId) {
        Set<Integer> units = new TreeSet<>();
        shardsOf(productId).all().forEach(shard -> units.addAll(freeUnits(shard)));
        return units;
    }

    /** Released unit numbers of one shard waiting to be handed out again. */
    public Set<Integer> freeUnits(SaleShard shard) {
        Set<String> free = calls.call(() -> redis.opsForZSet().range(SaleKeys.of(shard).free(), 0, -1));
        Set<Integer> units = new TreeSet<>();
        if (free != null) {
            free.forEach(u -> units.add(Integer.parseInt(u)));
        }
        return units;
    }

    /**
     * Repairs Redis against what PostgreSQL has committed, safely while the sale goes on (see
     * {@code repair.lua}): buyers restored, committed units never free, unit numbers nobody holds
     * below the highest committed one freed, and the stock recomputed from the units.
     *
     * @param suspectUnits committed units that Redis has as free or above its issued mark
     * @return what changed, or null when Redis has no state for the product
     */
    public RepairResult repair(SaleShard shard, int highestCommittedUnit, List<String> missingBuyers,
                               Collection<Integer> suspectUnits) {
        local.forget(shard.productId());
        SaleKeys keys = SaleKeys.of(shard);
        List<String> args = new ArrayList<>();
        args.add(Integer.toString(highestCommittedUnit));
        args.add(Integer.toString(missingBuyers.size()));
        args.addAll(missingBuyers);
        args.add(Integer.toString(suspectUnits.size()));
        suspectUnits.forEach(u -> args.add(Integer.toString(u)));
        List<?> reply = calls.call(() -> redis.execute(SaleScripts.REPAIR,
                List.of(keys.sale(), keys.stock(), keys.buyers(), keys.pending(), keys.free()), args.toArray()));
        if (number(reply.getFirst()) < 0) {
            return null;
        }
        return new RepairResult(number(reply.get(0)), number(reply.get(1)), number(reply.get(2)),
                number(reply.get(3)), number(reply.get(4)));
    }

    /**
     * Rebuilds the product's Redis state from PostgreSQL over the existing one, but only if the
     * product is quiet: nothing pending and the stock still {@code expectedStock}.
     */
    public boolean rebuildIfQuiet(Product product, SaleShard shard, int expectedStock) {
        local.forget(product.id());
        return warmUp.rebuild(product, shard, expectedStock);
    }

    /** How the product's sale is split (from the catalog's cached definition; unsplit if unknown). */
    public SaleShards shardsOf(UUID productId) {
        return catalog.load(productId).map(SaleShards::of).orElseGet(() -> new SaleShards(productId, 1, 0));
    }

    /** Marks a product for the reconciler (PostgreSQL contradicted its Redis state). */
    public void flag(UUID productId) {
        calls.call(() -> redis.opsForSet().add(FLAGGED, productId.toString()));
    }

    /** Takes the flagged products off the list. */
    public List<UUID> takeFlagged() {
        List<String> flagged = calls.call(() -> redis.opsForSet().pop(FLAGGED, 1_000));
        return flagged == null ? List.of() : flagged.stream().map(UUID::fromString).toList();
    }

    private static Reservation reservation(SaleShard shard, String userId, String pending) {
        // pending = "reservedAtMs:quantity:unit,unit,...:sequence[:address]" as written by reserve.lua
        String[] parts = pending.split(":", 4);
        List<Integer> units = new ArrayList<>();
        for (String unit : parts[2].split(",")) {
            if (!unit.isEmpty()) {
                units.add(Integer.parseInt(unit));
            }
        }
        return new Reservation(shard.productId(), userId, Integer.parseInt(parts[1]), List.copyOf(units),
                Instant.ofEpochMilli(Long.parseLong(parts[0])), pending, shard, null);
    }

    private static int number(Object value) {
        return ((Number) value).intValue();
    }
}
