package dev.flashsale.inventory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.flashsale.catalog.Product;

import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Service;

/**
 * Live stock, buyers and reservations of each sale, in Redis.
 *
 * <p>Concurrency contract: every check-and-change is one Lua script, so any number of instances
 * and threads may call any method at once; nothing here locks. A product's Redis state that is
 * missing (flushed, restarted, evicted) is rebuilt from PostgreSQL before it is used.
 */
@Service
public class Inventory {

    private final StringRedisTemplate redis;
    private final WarmUp warmUp;

    Inventory(StringRedisTemplate redis, WarmUp warmUp) {
        this.redis = redis;
        this.warmUp = warmUp;
    }

    /**
     * Checks the window (Redis clock), the per-user limit and the stock; if all pass, takes the
     * units, records the buyer and a pending reservation. One round trip.
     */
    public ReserveResult reserve(Product product, String userId, int quantity) {
        return reserve(product, userId, quantity, "");
    }

    /** As {@link #reserve(Product, String, int)}, at a given moment instead of the Redis clock. */
    ReserveResult reserveAt(Product product, String userId, int quantity, Instant now) {
        return reserve(product, userId, quantity, Long.toString(now.toEpochMilli()));
    }

    private ReserveResult reserve(Product product, String userId, int quantity, String nowMs) {
        SaleKeys keys = SaleKeys.of(product.id());
        List<?> reply = runReserve(keys, userId, quantity, nowMs);
        if ("MISSING".equals(reply.getFirst())) {
            warmUp.ensure(product);
            reply = runReserve(keys, userId, quantity, nowMs);
        }
        String outcome = (String) reply.getFirst();
        return switch (outcome) {
            case "RESERVED" -> {
                String pending = (String) reply.get(2);
                yield new ReserveResult(ReserveOutcome.RESERVED,
                        reservation(product.id(), userId, pending), number(reply.get(1)), -1);
            }
            case "INSUFFICIENT_STOCK" ->
                    new ReserveResult(ReserveOutcome.INSUFFICIENT_STOCK, null, number(reply.get(1)), -1);
            case "LIMIT_EXCEEDED" -> new ReserveResult(ReserveOutcome.LIMIT_EXCEEDED, null, -1, number(reply.get(1)));
            case "MISSING" -> throw new IllegalStateException("sale state of " + product.id() + " vanished during warm-up");
            default -> ReserveResult.rejected(ReserveOutcome.valueOf(outcome));
        };
    }

    private List<?> runReserve(SaleKeys keys, String userId, int quantity, String nowMs) {
        return redis.execute(SaleScripts.RESERVE, keys.all(), userId, Integer.toString(quantity), nowMs);
    }

    /** The order committed: the reservation is no longer pending. */
    public void confirm(Reservation reservation) {
        redis.opsForHash().delete(SaleKeys.of(reservation.productId()).pending(), reservation.userId());
    }

    /**
     * Undoes a reservation whose order did not commit. Idempotent, and a no-op if the reservation
     * is no longer pending (already confirmed, released, or lost with a Redis restart).
     *
     * @return whether this call released it
     */
    public boolean release(Reservation reservation, ReleaseReason reason) {
        SaleKeys keys = SaleKeys.of(reservation.productId());
        Long released = redis.execute(SaleScripts.RELEASE,
                List.of(keys.stock(), keys.buyers(), keys.pending(), keys.free()),
                reservation.userId(), reservation.pending(), reason.scriptMode);
        return released != null && released == 1L;
    }

    /** Units a product has left, live. */
    public int available(Product product) {
        String stock = redis.opsForValue().get(SaleKeys.of(product.id()).stock());
        if (stock == null) {
            warmUp.ensure(product);
            stock = redis.opsForValue().get(SaleKeys.of(product.id()).stock());
        }
        return stock == null ? 0 : Integer.parseInt(stock);
    }

    /** Units left for several products, read in one pipelined round trip. */
    public Map<UUID, Integer> available(List<Product> products) {
        List<Object> stocks = redis.executePipelined((RedisCallback<Object>) c -> {
            for (Product p : products) {
                c.stringCommands().get(SaleKeys.of(p.id()).stock().getBytes(StandardCharsets.UTF_8));
            }
            return null;
        });
        Map<UUID, Integer> result = new LinkedHashMap<>();
        for (int i = 0; i < products.size(); i++) {
            Object stock = stocks.get(i);
            Product p = products.get(i);
            result.put(p.id(), stock == null ? available(p) : Integer.parseInt(stock.toString()));
        }
        return result;
    }

    /** Is the user recorded as a buyer (or holding a reservation) in Redis? */
    public boolean isBuyer(UUID productId, String userId) {
        return Boolean.TRUE.equals(redis.opsForSet().isMember(SaleKeys.of(productId).buyers(), userId));
    }

    /** Installs the product's sale state from PostgreSQL if Redis has none. */
    public void ensureReady(Product product) {
        warmUp.ensure(product);
    }

    /** Pushes a changed window or per-user limit to Redis (if the sale's state is there). */
    public void define(Product product) {
        redis.execute(SaleScripts.DEFINE_SALE, List.of(SaleKeys.of(product.id()).sale()),
                Long.toString(product.saleStartAt().toEpochMilli()),
                Long.toString(product.saleEndAt().toEpochMilli()),
                Integer.toString(product.perUserLimit()));
    }

    /**
     * Changes the total stock in Redis, moving the live stock by the difference, atomically.
     * Raising always succeeds; lowering is refused below the units sold or reserved.
     */
    public StockChange changeTotal(Product product, int newTotal) {
        warmUp.ensure(product);
        SaleKeys keys = SaleKeys.of(product.id());
        List<?> reply = redis.execute(SaleScripts.CHANGE_STOCK, List.of(keys.sale(), keys.stock(), keys.free()),
                Integer.toString(newTotal));
        return switch ((String) reply.getFirst()) {
            case "CHANGED" -> new StockChange(StockChange.Outcome.CHANGED, number(reply.get(2)), number(reply.get(1)));
            case "BELOW_SOLD" -> new StockChange(StockChange.Outcome.BELOW_SOLD, number(reply.get(1)), -1);
            case "UNITS_IN_USE" -> new StockChange(StockChange.Outcome.UNITS_IN_USE, number(reply.get(1)), -1);
            default -> throw new IllegalStateException("sale state of " + product.id() + " is missing");
        };
    }

    private static Reservation reservation(UUID productId, String userId, String pending) {
        // pending = "reservedAtMs:quantity:unit,unit,..." as written by reserve.lua
        String[] parts = pending.split(":", 3);
        List<Integer> units = new ArrayList<>();
        for (String unit : parts[2].split(",")) {
            units.add(Integer.parseInt(unit));
        }
        return new Reservation(productId, userId, Integer.parseInt(parts[1]), List.copyOf(units),
                Instant.ofEpochMilli(Long.parseLong(parts[0])), pending);
    }

    private static int number(Object value) {
        return ((Number) value).intValue();
    }
}
