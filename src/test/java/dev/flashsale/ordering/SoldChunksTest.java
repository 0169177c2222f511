package dev.flashsale.ordering;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

import dev.flashsale.inventory.SoldChunk;
import dev.flashsale.ordering.internal.Orders;
import dev.flashsale.support.Api;
import dev.flashsale.support.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The committed sales the warm-up, the reconciler and the audit read, handed over in chunks
 * through a cursor: every order exactly once, whatever the chunk size, nothing but completed ones.
 */
class SoldChunksTest extends IntegrationTest {

    @Autowired
    private Orders orders;

    @Test
    void everyCompletedOrderArrivesOnceAcrossChunks() {
        UUID product = liveProduct(25, 2);
        for (int i = 0; i < 10; i++) {
            Api.Reply two = api.post("/api/v1/sale/purchase", "{\"productId\":\"" + product + "\",\"quantity\":2}",
                    Api.user("pair-" + i));
            assertThat(two.status()).isEqualTo(201);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(buy(product, "single-" + i).status()).isEqualTo(201);
        }
        UUID other = liveProduct(5, 1);
        assertThat(buy(other, "elsewhere").status()).isEqualTo(201);

        for (int chunkSize : new int[] {1, 4, 15, 1_000}) {
            List<SoldChunk> chunks = new ArrayList<>();
            orders.forEachSold(product, chunkSize, chunks::add);

            assertThat(chunks).as("chunks of %d", chunkSize).hasSize((15 + chunkSize - 1) / chunkSize);
            assertThat(chunks).allMatch(c -> c.buyers().size() <= chunkSize);
            List<String> buyers = chunks.stream().flatMap(c -> c.buyers().stream()).toList();
            assertThat(buyers).hasSize(15).doesNotHaveDuplicates().allMatch(b -> b.startsWith("pair-") || b.startsWith("single-"));
            List<Integer> units = chunks.stream().flatMap(c -> c.units().stream()).toList();
            assertThat(units).containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 25).boxed().toList());
            assertThat(chunks.stream().mapToInt(SoldChunk::quantity).sum()).isEqualTo(25);
        }
    }

    @Test
    void aProductWithoutOrdersHandsOverNothing() {
        UUID product = liveProduct(3, 1);
        Set<SoldChunk> chunks = new HashSet<>();
        orders.forEachSold(product, 10, chunks::add);
        assertThat(chunks).isEmpty();
        assertThatThrownBy(() -> orders.forEachSold(product, 0, chunks::add)).isInstanceOf(IllegalArgumentException.class);
    }
}
