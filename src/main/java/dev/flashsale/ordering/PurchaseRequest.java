package dev.flashsale.ordering;

import java.util.Map;
import java.util.UUID;

/**
 * One user's attempt to buy; the caller has checked its shape.
 *
 * @param metadata facts about the request kept with the order (ip, user agent)
 */
public record PurchaseRequest(UUID productId, String userId, int quantity, Map<String, String> metadata) {
}
