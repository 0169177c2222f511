package dev.flashsale.inventory.internal;

import java.util.List;
import java.util.UUID;

/**
 * The Redis keys of one product's sale. They share the hash tag {productId}, so one script can
 * touch them all, also on a Redis Cluster.
 */
public record SaleKeys(String sale, String stock, String buyers, String pending, String free, String addresses,
                       String holds) {

    public static SaleKeys of(UUID productId) {
        String p = "fs:{" + productId + "}:";
        return new SaleKeys(p + "sale", p + "stock", p + "buyers", p + "pending", p + "free", p + "addresses",
                p + "holds");
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
