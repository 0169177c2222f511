package dev.flashsale.ordering;

import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

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

    /** The most of a user agent an order keeps. */
    static final int USER_AGENT_MAX = 256;

    /** What an order records about the request that placed it, whichever door it came through. */
    public static Map<String, String> metadata(String address, @Nullable String userAgent) {
        if (userAgent == null) {
            return Map.of("ip", address);
        }
        String agent = userAgent.length() > USER_AGENT_MAX ? userAgent.substring(0, USER_AGENT_MAX) : userAgent;
        return Map.of("ip", address, "userAgent", agent);
    }

    String address() {
        return metadata == null ? null : metadata.get("ip");
    }
}
