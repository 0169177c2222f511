package dev.flashsale.inventory;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/** Where the inventory learns what has really been sold; the ordering module provides it. */
public interface CommittedSales {

    /**
     * Reads the product's orders that hold units (completed, or awaiting payment) in one statement (one snapshot) and hands them to
     * {@code consumer} in chunks of at most {@code chunkSize} orders, in no particular order, as they
     * arrive from the database: memory stays bounded by the chunk, not by the sale (a full read
     * of a few hundred thousand orders into lists took arrays past G1's humongous threshold).
     */
    void forEachSold(UUID productId, int chunkSize, Consumer<SoldChunk> consumer);

    /**
     * The units the product's orders hold per client address (as each order recorded
     * it), handed to {@code consumer} at most {@code chunkSize} addresses at a time. Orders without
     * a recorded address are not counted.
     */
    void forEachAddress(UUID productId, int chunkSize, Consumer<Map<String, Integer>> consumer);

    /**
     * The product's orders awaiting payment, as holds, handed to {@code consumer} at most
     * {@code chunkSize} at a time.
     */
    void forEachHold(UUID productId, int chunkSize, Consumer<List<HeldOrder>> consumer);

    /** An order awaiting payment: the units it holds, for whom, and the client address it recorded (or null). */
    record HeldOrder(UUID orderId, String userId, int quantity, List<Integer> units, String address) {
    }
}
