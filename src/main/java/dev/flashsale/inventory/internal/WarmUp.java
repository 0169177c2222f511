package dev.flashsale.inventory.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;

import dev.flashsale.inventory.CommittedSales;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.stereotype.Component;

/**
 * Rebuilds a product's Redis state from PostgreSQL: stock = total − the quantity of the orders that
 * hold units (completed, or awaiting payment), buyers = the users of those orders, units = the unit
 * numbers they hold, holds = the orders awaiting payment, and, for a sale with a per-address cap,
 * the units per client address those orders recorded.
 *
 * <p>The state is staged in private keys and swapped in by one script that does nothing if the
 * state is already there, so instances racing to warm up the same product cannot mix their work.
 * Within one instance a product is warmed up by one thread at a time; the others wait for it.
 */
@Component
public class WarmUp {

    private static final Logger log = LoggerFactory.getLogger(WarmUp.class);
    private static final int CHUNK = 1_000;
    /** Orders read from PostgreSQL per round trip (their buyers go to Redis {@code CHUNK} at a time). */
    private static final int READ_CHUNK = 10_000;
    private static final Duration STAGING_TTL = Duration.ofMinutes(10);

    private final StringRedisTemplate redis;
    private final RedisCalls calls;
    private final CommittedSales committedSales;
    private final Catalog catalog;
    private final ConcurrentHashMap<UUID, ReentrantLock> locks = new ConcurrentHashMap<>();

    public WarmUp(StringRedisTemplate redis, RedisCalls calls, CommittedSales committedSales, Catalog catalog) {
        this.redis = redis;
        this.calls = calls;
        this.committedSales = committedSales;
        this.catalog = catalog;
    }

    /** Makes sure the product's sale state is in Redis; returns whether this call installed it. */
    public boolean ensure(Product product) {
        SaleKeys keys = SaleKeys.of(product.id());
        if (present(keys)) {
            return false;
        }
        ReentrantLock lock = locks.computeIfAbsent(product.id(), id -> new ReentrantLock());
        lock.lock();
        try {
            if (present(keys)) {
                return false;
            }
            // the definition as PostgreSQL has it now, not as a cache last saw it
            return install(catalog.load(product.id()).orElse(product), keys, "");
        } finally {
            lock.unlock();
        }
    }

    /**
     * Rebuilds the state over the existing one, if the product is quiet: nothing pending and the
     * stock still {@code expectedStock} when the new state is swapped in.
     */
    public boolean rebuild(Product product, int expectedStock) {
        return install(catalog.load(product.id()).orElse(product), SaleKeys.of(product.id()),
                Integer.toString(expectedStock));
    }

    private boolean present(SaleKeys keys) {
        return Boolean.TRUE.equals(calls.call(() -> redis.hasKey(keys.sale())));
    }

    private boolean install(Product product, SaleKeys keys, String guard) {
        String token = UUID.randomUUID().toString();
        String stagedBuyers = keys.staging(token, "buyers");
        String stagedFree = keys.staging(token, "free");
        String stagedAddresses = keys.staging(token, "addresses");
        String stagedHolds = keys.staging(token, "holds");

        BitSet used = new BitSet();
        Sold sold = new Sold();
        committedSales.forEachSold(product.id(), READ_CHUNK, chunk -> {
            for (int i = 0; i < chunk.buyers().size(); i += CHUNK) {
                String[] part = chunk.buyers().subList(i, Math.min(i + CHUNK, chunk.buyers().size()))
                        .toArray(String[]::new);
                calls.call(() -> redis.opsForSet().add(stagedBuyers, part));
            }
            chunk.units().forEach(used::set);
            sold.quantity += chunk.quantity();
            sold.buyers += chunk.buyers().size();
        });
        int highest = Math.max(used.length() - 1, 0); // the highest unit number sold, 0 if none
        List<Integer> free = new ArrayList<>();
        for (int unit = 1; unit <= highest; unit++) {
            if (!used.get(unit)) {
                free.add(unit);
            }
        }
        for (int i = 0; i < free.size(); i += CHUNK) {
            Set<TypedTuple<String>> tuples = new HashSet<>();
            for (int unit : free.subList(i, Math.min(i + CHUNK, free.size()))) {
                tuples.add(TypedTuple.of(Integer.toString(unit), (double) unit));
            }
            calls.call(() -> redis.opsForZSet().add(stagedFree, tuples));
        }

        if (product.perAddressLimit() != null) {
            committedSales.forEachAddress(product.id(), CHUNK, chunk -> calls.call(() -> {
                Map<String, String> counts = new HashMap<>();
                chunk.forEach((address, units) -> counts.put(address, units.toString()));
                redis.opsForHash().putAll(stagedAddresses, counts);
                return null;
            }));
        }

        committedSales.forEachHold(product.id(), CHUNK, chunk -> calls.call(() -> {
            Map<String, String> holds = new HashMap<>();
            chunk.forEach(h -> holds.put(h.orderId().toString(), HoldRecord.of(h.userId(), h.quantity(), h.units(),
                    product.perAddressLimit() == null ? null : h.address())));
            redis.opsForHash().putAll(stagedHolds, holds);
            return null;
        }));

        calls.call(() -> {
            redis.expire(stagedHolds, STAGING_TTL);
            redis.expire(stagedBuyers, STAGING_TTL);
            redis.expire(stagedAddresses, STAGING_TTL);
            return redis.expire(stagedFree, STAGING_TTL);
        });
        int stock = Math.max(0, product.totalQuantity() - sold.quantity);
        Long installed = calls.call(() -> redis.execute(SaleScripts.PRIME,
                List.of(keys.sale(), keys.stock(), keys.buyers(), keys.pending(), keys.free(), stagedBuyers, stagedFree,
                        keys.addresses(), stagedAddresses, keys.holds(), stagedHolds),
                Long.toString(product.saleStartAt().toEpochMilli()),
                Long.toString(product.saleEndAt().toEpochMilli()),
                Integer.toString(product.perUserLimit()),
                Integer.toString(product.totalQuantity()),
                Integer.toString(highest),
                Integer.toString(stock),
                guard,
                product.perAddressLimit() == null ? "" : product.perAddressLimit().toString(),
                product.gated() ? "1" : "0"));
        boolean done = installed != null && installed == 1L;
        if (done) {
            log.info("inventory {} product={} stock={} buyers={} unitsSold={}", guard.isEmpty() ? "warmed up" : "rebuilt",
                    product.id(), stock, sold.buyers, used.cardinality());
        }
        return done;
    }

    /** The units and buyers of the completed orders, counted a chunk at a time. */
    private static final class Sold {
        int quantity;
        int buyers;
    }
}
