package dev.flashsale.inventory.internal;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.flashsale.inventory.SaleShards.SaleShard;
import io.lettuce.core.cluster.SlotHash;

/**
 * The Redis keys of one product's sale, or of one shard of a split sale. They share one hash tag,
 * so one script can touch them all, also on a Redis Cluster: {productId} for an unsplit sale, and
 * for shard i of K a tag {productId:i:n} whose slot lies in the i-th K-th of the slot space, n the
 * first number that puts it there. A cluster whose masters split the slots evenly (as
 * {@code redis-cli --cluster create} does) thus gives each of K = its master count shards its own
 * master.
 */
public record SaleKeys(String sale, String stock, String buyers, String pending, String free, String addresses,
                       String holds) {

    public static SaleKeys of(UUID productId) {
        return prefixed("fs:{" + productId + "}:");
    }

    public static SaleKeys of(SaleShard shard) {
        if (shard.count() == 1) {
            return of(shard.productId());
        }
        Shard key = new Shard(shard.productId(), shard.index(), shard.count());
        SaleKeys keys = SHARDS.get(key);
        if (keys == null) {
            if (SHARDS.size() > 10_000) {
                SHARDS.clear();
            }
            keys = prefixed("fs:{" + tag(shard) + "}:");
            SHARDS.put(key, keys);
        }
        return keys;
    }

    private record Shard(UUID productId, int index, int count) {
    }

    /** The keys of the shards seen lately (finding a tag hashes a few candidates). */
    private static final Map<Shard, SaleKeys> SHARDS = new ConcurrentHashMap<>();

    private static SaleKeys prefixed(String p) {
        return new SaleKeys(p + "sale", p + "stock", p + "buyers", p + "pending", p + "free", p + "addresses",
                p + "holds");
    }

    /** The hash tag of a shard of a split sale: its slot in the shard's share of the slot space. */
    static String tag(SaleShard shard) {
        int from = shard.index() * SlotHash.SLOT_COUNT / shard.count();
        int to = (shard.index() + 1) * SlotHash.SLOT_COUNT / shard.count();
        for (int n = 0; ; n++) {
            String tag = shard.productId() + ":" + shard.index() + ":" + n;
            int slot = SlotHash.getSlot(tag);
            if (slot >= from && slot < to) {
                return tag;
            }
        }
    }

    /** A purchase token of this sale (its value: the user it was issued to). */
    public String token(String token) {
        return prefix() + "token:" + token;
    }

    /** The mark of a purchase challenge that earned a token. */
    public String challenge(String id) {
        return prefix() + "challenge:" + id;
    }

    private String prefix() {
        return sale.substring(0, sale.length() - "sale".length());
    }

    /** A private key for staging a warm-up before it is swapped in. */
    public String staging(String token, String what) {
        return prefix() + "warm:" + token + ":" + what;
    }

    /** The keys of reserve.lua for a sale without bot controls. */
    public List<String> all() {
        return List.of(sale, stock, buyers, pending, free);
    }
}
