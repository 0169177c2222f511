package dev.flashsale.inventory;

import java.nio.charset.StandardCharsets;
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

import dev.flashsale.catalog.Product;
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
import org.springframework.data.redis.core.RedisCallback;
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
    private final StringRedisTemplate redis;
    private final RedisCalls calls;
    private final WarmUp warmUp;
    private final LocalStock local;
    private final LocalBuyers buyers;
    private final Clock clock;

    Inventory(StringRedisTemplate redis, RedisCalls calls, WarmUp warmUp, InventoryProperties properties, Clock clock,
              MeterRegistry meters) {
        this.reservationScripts = Counter.builder("flashsale.inventory.reservation.scripts")
                .description("reservation scripts sent to Redis (attempts that could not be answered from memory)")
                .register(meters);
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
        SaleKeys keys = SaleKeys.of(product.id());
        List<?> reply = reserveScript(product, keys, userId, quantity, nowMs, address, purchaseToken);
        if ("MISSING".equals(reply.getFirst())) {
            warmUp.ensure(product);
            reply = reserveScript(product, keys, userId, quantity, nowMs, address, purchaseToken);
        }
        String outcome = (String) reply.getFirst();
        return switch (outcome) {
            case "RESERVED" -> {
                local.saw(product.id(), number(reply.get(1)));
                yield new ReserveResult.Reserved(reservation(product.id(), userId, (String) reply.get(2)),
                        number(reply.get(1)));
            }
            case "SOLD_OUT" -> {
                local.saw(product.id(), 0);
                yield ReserveResult.Refused.of(ReserveOutcome.SOLD_OUT);
            }
            case "ALREADY_PURCHASED" -> {
                buyers.reported(product.id(), userId);
                yield ReserveResult.Refused.of(ReserveOutcome.ALREADY_PURCHASED);
            }
            case "INSUFFICIENT_STOCK" -> {
                local.saw(product.id(), number(reply.get(1)));
                yield new ReserveResult.InsufficientStock(number(reply.get(1)));
            }
            case "LIMIT_EXCEEDED" -> new ReserveResult.OverLimit(ReserveOutcome.LIMIT_EXCEEDED, number(reply.get(1)));
            case "ADDRESS_LIMIT_REACHED" ->
                    new ReserveResult.OverLimit(ReserveOutcome.ADDRESS_LIMIT_REACHED, number(reply.get(1)));
            case "MISSING" -> throw new IllegalStateException("sale state of " + product.id() + " vanished during warm-up");
            default -> ReserveResult.Refused.of(ReserveOutcome.valueOf(outcome));
        };
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
     * The order of this reservation committed awaiting payment: the reservation becomes a hold of
     * that order (its units and the user's place stay taken until {@link #settleHold}).
     */
    public void hold(Reservation reservation, UUID orderId) {
        buyers.committed(reservation.productId(), reservation.userId());
        SaleKeys keys = SaleKeys.of(reservation.productId());
        calls.call(() -> redis.execute(SaleScripts.HOLD, List.of(keys.buyers(), keys.pending(), keys.holds()),
                reservation.userId(), reservation.pending(), orderId.toString(),
                HoldRecord.of(reservation.userId(), reservation.quantity(), reservation.units(),
                        reservation.address())));
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
        if (!paid) {
            local.forget(productId);
            orders.values().forEach(user -> buyers.forget(productId, user));
        }
        SaleKeys keys = SaleKeys.of(productId);
        List<String> args = new ArrayList<>(orders.size() + 1);
        args.add(paid ? "PAID" : "RELEASE");
        orders.keySet().forEach(id -> args.add(id.toString()));
        Long settled = calls.call(() -> redis.execute(SaleScripts.SETTLE_HOLD,
                List.of(keys.stock(), keys.buyers(), keys.holds(), keys.free(), keys.addresses()), args.toArray()));
        return settled == null ? 0 : settled.intValue();
    }

    /** The orders Redis holds units for (awaiting payment as far as Redis knows), with their users. */
    public Map<UUID, String> holds(UUID productId) {
        Map<Object, Object> holds = calls.call(() -> redis.opsForHash().entries(SaleKeys.of(productId).holds()));
        Map<UUID, String> result = new LinkedHashMap<>();
        holds.forEach((order, hold) -> result.put(UUID.fromString(order.toString()), HoldRecord.user(hold.toString())));
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
        if (reason != ReleaseReason.CONFIRMED) {
            local.forget(reservation.productId());
        }
        if (reason == ReleaseReason.NOT_COMMITTED || reason == ReleaseReason.UNITS_TAKEN) {
            buyers.forget(reservation.productId(), reservation.userId());
        }
        SaleKeys keys = SaleKeys.of(reservation.productId());
        Long released = calls.call(() -> redis.execute(SaleScripts.RELEASE,
                List.of(keys.stock(), keys.buyers(), keys.pending(), keys.free(), keys.addresses()),
                reservation.userId(), reservation.pending(), reason.scriptMode));
        return released != null && released == 1L;
    }

    /** Units a product has left, live (as seen by this instance at most a local-stock TTL ago). */
    public int available(Product product) {
        Integer fresh = local.fresh(product.id());
        if (fresh != null) {
            return fresh;
        }
        String stock = calls.call(() -> redis.opsForValue().get(SaleKeys.of(product.id()).stock()));
        if (stock == null) {
            warmUp.ensure(product);
            stock = calls.call(() -> redis.opsForValue().get(SaleKeys.of(product.id()).stock()));
        }
        int available = stock == null ? 0 : Integer.parseInt(stock);
        local.saw(product.id(), available);
        return available;
    }

    /** Units left for several products, read in one pipelined round trip. */
    public Map<UUID, Integer> available(List<Product> products) {
        List<Object> stocks = stocks(products);
        Map<UUID, Integer> result = new LinkedHashMap<>();
        for (int i = 0; i < products.size(); i++) {
            Object stock = stocks.get(i);
            Product p = products.get(i);
            int available = stock == null ? available(p) : Integer.parseInt(stock.toString());
            local.saw(p.id(), available);
            result.put(p.id(), available);
        }
        return result;
    }

    /**
     * The stock Redis holds for each product, in one pipelined round trip; a product without
     * state in Redis is left out. Reads only: no warm-up, and this instance's view is not updated.
     */
    Map<UUID, Integer> stockInRedis(List<Product> products) {
        List<Object> stocks = stocks(products);
        Map<UUID, Integer> result = new LinkedHashMap<>();
        for (int i = 0; i < products.size(); i++) {
            if (stocks.get(i) != null) {
                result.put(products.get(i).id(), Integer.parseInt(stocks.get(i).toString()));
            }
        }
        return result;
    }

    /** The products' stock keys, read in one pipelined round trip (null where Redis has none). */
    private List<Object> stocks(List<Product> products) {
        return calls.call(() -> redis.executePipelined((RedisCallback<Object>) c -> {
            for (Product p : products) {
                c.stringCommands().get(SaleKeys.of(p.id()).stock().getBytes(StandardCharsets.UTF_8));
            }
            return null;
        }));
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
        calls.call(() -> redis.execute(SaleScripts.DEFINE_SALE, List.of(SaleKeys.of(product.id()).sale()),
                Long.toString(product.saleStartAt().toEpochMilli()),
                Long.toString(product.saleEndAt().toEpochMilli()),
                Integer.toString(product.perUserLimit()),
                product.perAddressLimit() == null ? "" : product.perAddressLimit().toString(),
                product.gated() ? "1" : "0"));
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

    // --- for the audit and the reconciler ---------------------------------------------------

    /** The Redis clock, which judges reservations' ages as it judges sale windows. */
    public Instant redisTime() {
        Long ms = calls.call(() -> redis.execute(c -> c.serverCommands().time(), true));
        return Instant.ofEpochMilli(ms);
    }

    /** The product's state in Redis, read atomically (one script). */
    public RedisSaleState state(UUID productId) {
        SaleKeys keys = SaleKeys.of(productId);
        // one script, so the numbers come from one moment (a pipeline let purchases run between
        // its reads, and under load the stock formula looked broken to the reconciler)
        List<?> reply = calls.call(() -> redis.execute(SaleScripts.STATE,
                List.of(keys.sale(), keys.stock(), keys.free(), keys.buyers(), keys.pending(), keys.holds())));
        if (reply == null || reply.isEmpty()) {
            return new RedisSaleState(false, 0, 0, 0, 0, 0, 0, List.of());
        }
        List<Reservation> pending = new ArrayList<>();
        for (int i = 6; i + 1 < reply.size(); i += 2) {
            pending.add(reservation(productId, reply.get(i).toString(), reply.get(i + 1).toString()));
        }
        return new RedisSaleState(true, Integer.parseInt(reply.get(0).toString()),
                Integer.parseInt(reply.get(2).toString()), Integer.parseInt(reply.get(1).toString()),
                number(reply.get(3)), ((Number) reply.get(4)).longValue(), ((Number) reply.get(5)).longValue(), pending);
    }

    /** Of the given users, those Redis does not have as buyers. */
    public List<String> missingBuyers(UUID productId, List<String> users) {
        String key = SaleKeys.of(productId).buyers();
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
        Set<String> free = calls.call(() -> redis.opsForZSet().range(SaleKeys.of(productId).free(), 0, -1));
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
    public RepairResult repair(UUID productId, int highestCommittedUnit, List<String> missingBuyers,
                               Collection<Integer> suspectUnits) {
        local.forget(productId);
        SaleKeys keys = SaleKeys.of(productId);
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
    public boolean rebuildIfQuiet(Product product, int expectedStock) {
        local.forget(product.id());
        return warmUp.rebuild(product, expectedStock);
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

    private static Reservation reservation(UUID productId, String userId, String pending) {
        // pending = "reservedAtMs:quantity:unit,unit,...:sequence[:address]" as written by reserve.lua
        String[] parts = pending.split(":", 4);
        List<Integer> units = new ArrayList<>();
        for (String unit : parts[2].split(",")) {
            if (!unit.isEmpty()) {
                units.add(Integer.parseInt(unit));
            }
        }
        return new Reservation(productId, userId, Integer.parseInt(parts[1]), List.copyOf(units),
                Instant.ofEpochMilli(Long.parseLong(parts[0])), pending);
    }

    private static int number(Object value) {
        return ((Number) value).intValue();
    }
}
