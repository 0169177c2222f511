package dev.flashsale.inventory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;

import dev.flashsale.catalog.Product;

/**
 * How a sale's live stock is split across Redis hash slots (decision 0030). Shard {@code i} owns the
 * unit numbers {@code (base(i), end(i)]}, contiguous ranges of {@code ceil(total / count)} units (the
 * last one shorter); a user's buyer record lives on the user's home shard, a stable hash of the user
 * id. A sale with one shard is exactly the unsplit sale: one range {@code (0, total]}, every user at home.
 *
 * <p>The ranges follow from the total, so a split sale's total only changes while nothing can have
 * been sold (before its sale opens); see {@link Inventory#changeTotal}.
 */
public record SaleShards(UUID productId, int count, int total) {

    public SaleShards {
        if (count < 1) {
            throw new IllegalArgumentException("a sale has at least one shard: " + count);
        }
    }

    public static SaleShards of(Product product) {
        return new SaleShards(product.id(), product.shards(), product.totalQuantity());
    }

    public boolean split() {
        return count > 1;
    }

    /** Units per shard but the last. */
    public int span() {
        return (total + count - 1) / count;
    }

    /** The shard holding the user's buyer record: CRC-32 of the user id, modulo the shard count. */
    public int home(String userId) {
        return home(userId, count);
    }

    /** The home shard of a user in a sale split {@code count} ways. */
    public static int home(String userId, int count) {
        if (count == 1) {
            return 0;
        }
        CRC32 crc = new CRC32();
        crc.update(userId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % count);
    }

    /** The shard whose range holds the unit number. */
    public int owner(int unit) {
        return count == 1 ? 0 : Math.min(count - 1, Math.max(0, (unit - 1) / Math.max(1, span())));
    }

    /** The last unit number below shard {@code i}'s range (its unit numbers start above it). */
    public int base(int i) {
        return Math.min(total, i * span());
    }

    /** The highest unit number of shard {@code i}'s range. */
    public int end(int i) {
        return i == count - 1 ? total : Math.min(total, (i + 1) * span());
    }

    public int size(int i) {
        return end(i) - base(i);
    }

    public SaleShard shard(int i) {
        return new SaleShard(productId, i, count, base(i), end(i));
    }

    public List<SaleShard> all() {
        List<SaleShard> all = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            all.add(shard(i));
        }
        return all;
    }

    /**
     * One pool of a sale's stock: its Redis keys share one hash tag.
     *
     * @param base the last unit number below its range
     * @param end  the highest unit number of its range
     */
    public record SaleShard(UUID productId, int index, int count, int base, int end) {

        /** The whole of an unsplit sale. */
        public static SaleShard whole(UUID productId, int total) {
            return new SaleShard(productId, 0, 1, 0, total);
        }

        public boolean owns(int unit) {
            return unit > base && unit <= end;
        }
    }
}
