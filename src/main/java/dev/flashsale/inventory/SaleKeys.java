package dev.flashsale.inventory;

import java.util.List;
import java.util.UUID;

/**
 * The Redis keys of one product's sale. They share the hash tag {productId}, so one script can
 * touch them all, also on a Redis Cluster.
 */
record SaleKeys(String sale, String stock, String buyers, String pending, String free) {

    static SaleKeys of(UUID productId) {
        String p = "fs:{" + productId + "}:";
        return new SaleKeys(p + "sale", p + "stock", p + "buyers", p + "pending", p + "free");
    }

    /** A private key for staging a warm-up before it is swapped in. */
    String staging(String token, String what) {
        return sale.substring(0, sale.length() - "sale".length()) + "warm:" + token + ":" + what;
    }

    List<String> all() {
        return List.of(sale, stock, buyers, pending, free);
    }
}
