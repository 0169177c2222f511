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
import java.util.concurrent.TimeUnit;

import dev.flashsale.catalog.Catalog;
import dev.flashsale.catalog.Product;

import dev.flashsale.inventory.CommittedSales;
import dev.flashsale.inventory.SaleShards;
import dev.flashsale.inventory.SaleShards.SaleShard;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
 * Within one instance a product is warmed up by one call at a time: the calls that find its state
 * missing while a warm-up runs wait for that one and take its outcome as theirs, without reading
 * PostgreSQL or Redis themselves. A crowd that meets a sale whose state Redis lost (a restart
 * without persistence) so costs one warm-up, not one per request.
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
    /** The warm-up running for each product, that the other calls wanting it wait for. */
    private final SingleFlight<UUID, Boolean> warmUps = new SingleFlight<>();
    private final Timer installed;
    private final Timer foundPresent;

    public WarmUp(StringRedisTemplate redis, RedisCalls calls, CommittedSales committedSales, Catalog catalog,
                  MeterRegistry meters) {
        this.redis = redis;
        this.calls = calls;
        this.committedSales = committedSales;
        this.catalog = catalog;
        String description = "warm-ups of a sale's Redis state from PostgreSQL: installed, or found there "
                + "(another instance installed it first)";
        this.installed = Timer.builder("flashsale.inventory.warmups").description(description)
                .tag("outcome", "installed").register(meters);
        this.foundPresent = Timer.builder("flashsale.inventory.warmups").description(description)
                .tag("outcome", "present").register(meters);
    }

    /**
     * Makes sure the product's sale state is in Redis, every shard of a split sale; returns whether
     * any was installed, by this call or by the warm-up it waited for.
     */
    public boolean ensure(Product product) {
        // A warm-up that began before this call found the state missing may have found it present
        // (it went missing after that warm-up looked): then the state is checked again, and
        // installed by a warm-up of its own.
        for (int round = 0; round < 3; round++) {
            if (allPresent(product)) {
                return false;
            }
            if (warmUps.run(product.id(), () -> warmUp(product))) {
                return true;
            }
        }
        return false;
    }

    /** Installs the shards whose state is missing; whether it installed any. */
    private boolean warmUp(Product product) {
        if (allPresent(product)) {
            // installed by the warm-up before this one, which ended after this call's caller looked
            return false;
        }
        long started = System.nanoTime();
        // the definition as PostgreSQL has it now, not as a cache last saw it
        Product current = catalog.load(product.id()).orElse(product);
        boolean any = false;
        for (SaleShard shard : SaleShards.of(current).all()) {
            if (!present(SaleKeys.of(shard))) {
                any |= install(current, shard, "");
            }
        }
        (any ? installed : foundPresent).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        return any;
    }

    private boolean allPresent(Product product) {
        if (product.shards() == 1) {
            return present(SaleKeys.of(product.id()));
        }
        return SaleShards.of(product).all().stream().allMatch(shard -> present(SaleKeys.of(shard)));
    }

    /**
     * Rebuilds the state of one shard (the whole of an unsplit sale) over the existing one, if it is
     * quiet: nothing pending and the stock still {@code expectedStock} when the new state is
     * swapped in.
     */
    public boolean rebuild(Product product, SaleShard shard, int expectedStock) {
        return install(catalog.load(product.id()).orElse(product), shard, Integer.toString(expectedStock));
    }

    private boolean present(SaleKeys keys) {
        return Boolean.TRUE.equals(calls.call(() -> redis.hasKey(keys.sale())));
    }

    /**
     * Installs one shard's state: of a split sale, the buyers whose home it is, the units of its
     * range, and the holds of its buyers (with no units when another shard lent them) and of the
     * units it lent.
     */
    private boolean install(Product product, SaleShard shard, String guard) {
        SaleShards shards = SaleShards.of(product);
        SaleKeys keys = SaleKeys.of(shard);
        boolean split = shards.split();
        String token = UUID.randomUUID().toString();
        String stagedBuyers = keys.staging(token, "buyers");
        String stagedFree = keys.staging(token, "free");
        String stagedAddresses = keys.staging(token, "addresses");
        String stagedHolds = keys.staging(token, "holds");

        BitSet used = new BitSet();
        Sold sold = new Sold();
        committedSales.forEachSold(product.id(), READ_CHUNK, chunk -> {
            List<String> buyers = split
                    ? chunk.buyers().stream().filter(u -> shards.home(u) == shard.index()).toList()
                    : chunk.buyers();
            for (int i = 0; i < buyers.size(); i += CHUNK) {
                String[] part = buyers.subList(i, Math.min(i + CHUNK, buyers.size())).toArray(String[]::new);
                calls.call(() -> redis.opsForSet().add(stagedBuyers, part));
            }
            if (split) {
                chunk.units().stream().filter(shard::owns).forEach(used::set);
            } else {
                chunk.units().forEach(used::set);
                sold.quantity += chunk.quantity();
            }
            sold.buyers += buyers.size();
        });
        if (split) {
            sold.quantity = used.cardinality();
        }
        // the highest unit number of the range sold, its base if none
        int highest = Math.max(used.length() - 1, shard.base());
        List<Integer> free = new ArrayList<>();
        for (int unit = shard.base() + 1; unit <= highest; unit++) {
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

        if (product.perAddressLimit() != null && !split) {
            committedSales.forEachAddress(product.id(), CHUNK, chunk -> calls.call(() -> {
                Map<String, String> counts = new HashMap<>();
                chunk.forEach((address, units) -> counts.put(address, units.toString()));
                redis.opsForHash().putAll(stagedAddresses, counts);
                return null;
            }));
        }

        committedSales.forEachHold(product.id(), CHUNK, chunk -> calls.call(() -> {
            Map<String, String> holds = new HashMap<>();
            for (CommittedSales.HeldOrder h : chunk) {
                // all of an order's units come from one shard: its user's home, or the one that lent them
                int owner = h.units().isEmpty() ? shards.home(h.userId()) : shards.owner(h.units().getFirst());
                boolean home = shards.home(h.userId()) == shard.index();
                if (home && owner == shard.index()) {
                    holds.put(h.orderId().toString(), HoldRecord.of(h.userId(), h.quantity(), h.units(),
                            product.perAddressLimit() == null ? null : h.address()));
                } else if (home) {
                    holds.put(h.orderId().toString(), HoldRecord.of(h.userId(), 0, List.of(), null));
                } else if (owner == shard.index()) {
                    holds.put(h.orderId().toString(), HoldRecord.of(h.userId(), h.quantity(), h.units(), null));
                }
            }
            if (!holds.isEmpty()) {
                redis.opsForHash().putAll(stagedHolds, holds);
            }
            return null;
        }));

        calls.call(() -> {
            redis.expire(stagedHolds, STAGING_TTL);
            redis.expire(stagedBuyers, STAGING_TTL);
            redis.expire(stagedAddresses, STAGING_TTL);
            return redis.expire(stagedFree, STAGING_TTL);
        });
        int stock = Math.max(0, shard.end() - shard.base() - sold.quantity);
        Long installed = calls.call(() -> redis.execute(SaleScripts.PRIME,
                List.of(keys.sale(), keys.stock(), keys.buyers(), keys.pending(), keys.free(), stagedBuyers, stagedFree,
                        keys.addresses(), stagedAddresses, keys.holds(), stagedHolds),
                Long.toString(product.saleStartAt().toEpochMilli()),
                Long.toString(product.saleEndAt().toEpochMilli()),
                Integer.toString(product.perUserLimit()),
                Integer.toString(shard.end()),
                Integer.toString(highest),
                Integer.toString(stock),
                guard,
                product.perAddressLimit() == null ? "" : product.perAddressLimit().toString(),
                product.gated() ? "1" : "0"));
        boolean done = installed != null && installed == 1L;
        if (done) {
            log.info("inventory {} product={} shard={}/{} stock={} buyers={} unitsSold={}",
                    guard.isEmpty() ? "warmed up" : "rebuilt", product.id(), shard.index(), shards.count(), stock,
                    sold.buyers, used.cardinality());
        }
        return done;
    }

    /** The units and buyers of the completed orders, counted a chunk at a time. */
    private static final class Sold {
        int quantity;
        int buyers;
    }
}
