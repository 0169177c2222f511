package dev.flashsale.ordering;

import java.util.Map;
import java.util.UUID;

/**
 * One user's attempt to buy; the caller has checked its shape.
 *
 * @param metadata      facts about the request kept with the order (ip, user agent); its ip is the
 *                      address a per-address cap counts
 * @param purchaseToken the token a gated sale needs, or null
 */
public record PurchaseRequest(UUID productId, String userId, int quantity, Map<String, String> metadata,
                              String purchaseToken) {

    /** An attempt without a purchase token (enough for a sale that is not gated). */
    public PurchaseRequest(UUID productId, String userId, int quantity, Map<String, String> metadata) {
        this(productId, userId, quantity, metadata, null);
    }

    String address() {
        return metadata == null ? null : metadata.get("ip");
    }
}
